import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type GemmShape, type StridedOperand, multiplyAdd, productChunk } from './blas.js';
import { fusedUpdateAndProduct } from './tridiagonal-kernels.js';
import {
  CHUNKS, CLAIM, CLAIM_BITS, CONTROL_WORDS, COUNTER_WORDS, DEAD, DIE, DIE_NOTIFYING, DIE_SILENTLY, DONE, FAILED, FINISHED,
  FIRST, GENERATION, HELD, MAX_CHUNKS, PARITY, STATE_WORDS, buildWorkerSource, claimChunks, triangleBoundary,
} from './worker-program.js';

/**
 * Worker threads for the O(n³) phases, on operands in SharedArrayBuffers (see `sharedFloat64`).
 * The API stays synchronous. Work is cut into chunks that every thread, the caller included, claims
 * with an atomic counter until none are left, so a thread slowed by other load on its core simply
 * does fewer; the caller then blocks in Atomics.wait until every claimed chunk is finished.
 *
 * Workers are started on first need (see worker-program.ts) and are unref'd: they never keep the
 * process alive. A worker that dies holding a chunk fails the job within DEATH_CHECK_MS.
 */

/** Below this many multiply-adds a product is not worth a thread hand-off (about n = 250 cubed). */
const PARALLEL_MIN_WORK = 1.5e7;
/** Trailing sizes of the tridiagonalisation below which a step is not worth a hand-off. */
const TEAM_MIN_ROWS = 320;
/** Passes a reduction team runs before judging whether its workers keep up… */
const PROBE_PASSES = 16;
/** …namely whether the caller's waiting stays below this fraction of its own working time. */
const WAIT_LIMIT = 0.3;
/** More threads than this gain little on the memory bandwidth of a shared L3. */
const MAX_WORKERS = 3;
/** Rows per chunk below which a product is cut by columns instead. */
const MIN_CHUNK_ROWS = 32;
/** Chunks per thread: enough to even out unequal speeds. */
const CHUNKS_PER_THREAD = 8;

/** Milliseconds the caller blocks before it looks for a worker that died holding a chunk. */
const DEATH_CHECK_MS = 100;

/** A worker thread and its shared state words (HELD, DEAD). */
interface Member {
  worker: Worker;
  state: Int32Array;
}

/**
 * Whether a member's thread has died. One that exits through JavaScript (process.exit, an uncaught
 * error) sets DEAD itself; one stopped from outside (out of memory, terminated) cannot, but once
 * it has come online its event-loop utilisation reports an idle time of −1.
 */
function isDead(member: Member): boolean {
  return Atomics.load(member.state, DEAD) === 1 || member.worker.performance.eventLoopUtilization().idle < 0;
}

/**
 * Block until all `chunks` chunks of the job are finished; throws if one failed, or if a worker
 * of `pool` died holding one (its share of the result is lost, so the job cannot finish). Waiting
 * in slices costs nothing while chunks finish: each finished chunk wakes the caller at once.
 */
function awaitChunks(control: Int32Array, chunks: number, what: string, pool: readonly Member[]): void {
  for (let done = Atomics.load(control, FINISHED); done < chunks; done = Atomics.load(control, FINISHED)) {
    if (Atomics.wait(control, FINISHED, done, DEATH_CHECK_MS) !== 'timed-out') continue;
    const lost = pool.find((member) => Atomics.load(member.state, HELD) === 1 && isDead(member));
    if (lost) {
      retire(lost);
      throw new Error(
        `linalg-core (ts backend): a worker thread died while computing ${what}, so part of the result ` +
          `is lost; retry (a fresh thread replaces it), or use native LAPACK with DUALITY_LINALG=lapack`,
      );
    }
  }
  if (control[FAILED] !== 0) throw new Error(`linalg-core (ts backend): a worker thread failed in ${what}`);
}

let cachedSource: string | undefined;

function workerSource(): string {
  cachedSource ??= buildWorkerSource();
  return cachedSource;
}

/** Live workers, started as the limit asks for them. */
const members: Member[] = [];
let workersUnavailable = false;
let workerLimit = Math.min(MAX_WORKERS, Math.max(0, availableParallelism() - 1));

/** Worker threads to use from now on (0: everything on the calling thread). Returns the old value. */
export function setWorkerCount(count: number): number {
  const old = workerLimit;
  workerLimit = Math.max(0, Math.min(MAX_WORKERS, Math.floor(count)));
  return old;
}

/** A zeroed Float64Array on a SharedArrayBuffer, so workers can read and write it in place. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

/** Drop a dead member from the pool; a fresh one replaces it on next need. */
function retire(member: Member): void {
  const at = members.indexOf(member);
  if (at >= 0) members.splice(at, 1);
}

/** Up to `workerLimit` live workers, starting any missing. */
function startedWorkers(): Member[] {
  members.filter(isDead).forEach(retire);
  try {
    while (!workersUnavailable && members.length < workerLimit) {
      const state = new Int32Array(new SharedArrayBuffer(4 * STATE_WORDS));
      const worker = new Worker(workerSource(), { eval: true, workerData: { counters: counters.buffer, state: state.buffer } });
      worker.unref();
      // A worker that dies (it never should) leaves the pool; chunks it never claimed go to others.
      const member = { worker, state };
      worker.on('error', () => retire(member));
      worker.on('exit', () => retire(member));
      members.push(member);
    }
  } catch {
    // No worker threads here (a restricted runtime): run serially.
    workersUnavailable = true;
  }
  return members.slice(0, workerLimit);
}

/** Process-wide counters shared with every worker (DONE, DIE). */
const counters = new Int32Array(new SharedArrayBuffer(4 * COUNTER_WORDS));

/** How many chunks worker threads (not the caller) have done so far (for tests and diagnostics). */
export function workerChunksDone(): number {
  return Atomics.load(counters, DONE);
}

/**
 * Test hook: the next worker to finish a chunk exits instead, its chunk unfinished, either through
 * process.exit or, `silently`, as a thread stopped from outside would (no 'exit' handler runs).
 */
export function killWorkerInNextChunk(silently = false): void {
  Atomics.store(counters, DIE, silently ? DIE_SILENTLY : DIE_NOTIFYING);
}

function isShared(x: Float64Array): boolean {
  return x.buffer instanceof SharedArrayBuffer;
}

/** C (m×n) += A (m×k) · B (k×n) as `multiplyAdd`, on worker threads when it pays and the operands allow. */
export function parallelMultiplyAdd(shape: GemmShape, a: StridedOperand, b: StridedOperand, c: StridedOperand): void {
  const { m, n, k } = shape;
  const pool =
    workerLimit > 0 && m * n * k >= PARALLEL_MIN_WORK && [a, b, c].every((x) => isShared(x.data)) ? startedWorkers() : [];
  if (pool.length === 0) {
    multiplyAdd(shape, a, b, c);
    return;
  }
  // Chunks are bands of rows of C, or for a short C bands of columns, so that no chunk packs the
  // same block of B as another. Even heights and widths in whole slivers keep the kernel's
  // pairing, so results match the serial run bit for bit.
  const pieces = CHUNKS_PER_THREAD * (pool.length + 1);
  const byRows = m >= MIN_CHUNK_ROWS * pieces || m >= n;
  const step = byRows ? 2 * Math.ceil(m / (2 * pieces)) : 4 * Math.ceil(n / (4 * pieces));
  const chunks = Math.ceil((byRows ? m : n) / step);
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  control[CHUNKS] = chunks;
  // Workers see whole buffers, so offsets count from each buffer's start.
  const [aAt, bAt, cAt] = [a, b, c].map((x) => ({ buffer: x.data.buffer, offset: x.data.byteOffset / 8 + x.offset, ld: x.ld }));
  for (const { worker } of pool) {
    worker.postMessage({ kind: 'product', control: control.buffer, byRows, step, shape: { m, n, k }, a: aAt, b: bAt, c: cAt });
  }
  claimChunks(control, 0, (chunk) => productChunk(chunk, byRows, step, shape, a, b, c));
  awaitChunks(control, chunks, 'a matrix product', pool);
}

/**
 * Worker threads sharing the row passes of one Householder tridiagonalisation (see tridiagonal.ts):
 * `a` (n×n), the two buffers that hold v and vNext in turn, and w, all shared. Each worker sums
 * its rows' share of A·vNext into a private vector that `pass` adds up.
 */
export class ReductionTeam {
  private generation = 0;
  /** Milliseconds the caller spent on its own chunks, and then waiting for the workers'. */
  private working = 0;
  private waiting = 0;

  private constructor(
    private readonly n: number,
    private readonly a: Float64Array,
    private readonly vs: readonly [Float64Array, Float64Array],
    private readonly w: Float64Array,
    private readonly control: Int32Array,
    /** used[s] is the last generation in which member s claimed a chunk (and zeroed its p). */
    private readonly used: Int32Array,
    private readonly sums: readonly Float64Array[],
    private readonly pool: readonly Member[],
  ) {}

  /** A team for this reduction, or null when it would not pay or cannot run. */
  static start(
    a: Float64Array,
    n: number,
    vs: readonly [Float64Array, Float64Array],
    w: Float64Array,
  ): ReductionTeam | null {
    if (workerLimit === 0 || n < TEAM_MIN_ROWS || ![a, vs[0], vs[1], w].every(isShared)) return null;
    const pool = startedWorkers();
    if (pool.length === 0) return null;
    const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    const used = new Int32Array(new SharedArrayBuffer(4 * pool.length));
    const sums = pool.map(({ worker }, slot) => {
      const p = sharedFloat64(n);
      worker.postMessage({
        kind: 'reduction', control: control.buffer, used: used.buffer, slot, n, p: p.buffer,
        a: a.buffer, v0: vs[0].buffer, v1: vs[1].buffer, w: w.buffer,
      });
      return p;
    });
    return new ReductionTeam(n, a, vs, w, control, used, sums, pool);
  }

  /**
   * Whether a pass over rows first…n−1 is worth sharing: big enough, and the workers keep up. A
   * worker whose core is taken by other processes stalls every pass on its last chunk; once the
   * caller has waited more than WAIT_LIMIT of its own working time, it goes on alone.
   */
  worthSharing(first: number): boolean {
    return (
      this.n - first >= TEAM_MIN_ROWS &&
      this.generation < (1 << (31 - CLAIM_BITS)) - 1 &&
      (this.generation < PROBE_PASSES || this.waiting <= WAIT_LIMIT * this.working)
    );
  }

  /**
   * fusedUpdateAndProduct over rows first…n−1 with v = vs[parity], vNext = vs[1 − parity], in
   * chunks of equal triangle area; pNext (zero from `first` on) receives the whole product.
   */
  pass(first: number, parity: number, pNext: Float64Array): void {
    const { n, control } = this;
    const generation = ++this.generation;
    const chunks = Math.min(MAX_CHUNKS, CHUNKS_PER_THREAD * (this.sums.length + 1));
    control[FIRST] = first;
    control[PARITY] = parity;
    control[CHUNKS] = chunks;
    control[FINISHED] = 0;
    Atomics.store(control, CLAIM, generation << CLAIM_BITS);
    Atomics.store(control, GENERATION, generation);
    Atomics.notify(control, GENERATION);
    const [v, vNext] = parity === 0 ? this.vs : [this.vs[1], this.vs[0]];
    const started = performance.now();
    claimChunks(control, generation, (chunk) => {
      const start = triangleBoundary(n, first, chunks, chunk);
      const end = triangleBoundary(n, first, chunks, chunk + 1);
      fusedUpdateAndProduct(this.a, n, start, end, v, this.w, vNext, pNext);
    });
    const worked = performance.now();
    awaitChunks(control, chunks, 'the tridiagonalisation', this.pool);
    this.working += worked - started;
    this.waiting += performance.now() - worked;
    this.sums.forEach((p, slot) => {
      if (this.used[slot] !== generation) return;
      for (let j = first; j < n; j++) pNext[j]! += p[j]!;
    });
  }

  /** Release the workers for other work; call once, after the last pass. */
  close(): void {
    Atomics.store(this.control, GENERATION, -1);
    Atomics.notify(this.control, GENERATION);
  }
}
