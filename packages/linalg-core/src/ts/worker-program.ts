import { multiplyAddKernelSource } from './blas.js';
import { fusedKernelSource } from './tridiagonal-kernels.js';

/**
 * What the pool's worker threads run, and the shared-memory protocol they and the caller follow
 * (see parallel.ts). Functions here are stringified into the worker's source, so they use only
 * their arguments and the constants below.
 */

/**
 * Shared words of a job. CLAIM holds (generation << CLAIM_BITS) + next chunk: a thread still on an
 * old generation cannot claim, so it never works with stale parameters.
 */
export const CLAIM = 0;
export const FINISHED = 1;
export const FAILED = 2;
export const GENERATION = 3;
export const FIRST = 4;
export const PARITY = 5;
export const CHUNKS = 6;
export const CONTROL_WORDS = 7;
export const CLAIM_BITS = 12;
export const MAX_CHUNKS = (1 << CLAIM_BITS) - 1;

/**
 * Words of a worker's own state, readable by the caller while it blocks: HELD is 1 while the
 * worker owns a chunk it has not finished, DEAD is 1 once its thread is exiting.
 */
export const HELD = 0;
export const DEAD = 1;
export const STATE_WORDS = 2;

/** Words of the process-wide counters: chunks workers have done, and the test hook's request. */
export const DONE = 0;
export const DIE = 1;
export const COUNTER_WORDS = 2;
/** DIE values: exit normally (the 'exit' handler runs), or with the handler removed (as after OOM). */
export const DIE_NOTIFYING = 1;
export const DIE_SILENTLY = 2;

/**
 * Claims and runs chunks of `generation` until none are left; `run(chunk)` does one. A worker
 * passes its `state`, so that the caller can tell a chunk lost with a dead worker from a slow one.
 */
export function claimChunks(
  control: Int32Array,
  generation: number,
  run: (chunk: number) => void,
  state?: Int32Array,
): void {
  for (;;) {
    const claim = Atomics.load(control, CLAIM);
    if (claim >>> CLAIM_BITS !== generation || (claim & MAX_CHUNKS) >= control[CHUNKS]!) return;
    if (Atomics.compareExchange(control, CLAIM, claim, claim + 1) !== claim) continue;
    if (state) Atomics.store(state, HELD, 1);
    try {
      run(claim & MAX_CHUNKS);
    } catch {
      // Reported to the caller, which throws once every claimed chunk is accounted for.
      Atomics.store(control, FAILED, 1);
    }
    Atomics.add(control, FINISHED, 1);
    if (state) Atomics.store(state, HELD, 0);
    Atomics.notify(control, FINISHED);
  }
}

/** First row of chunk c of rows first…n−1 cut into `chunks` pieces of equal triangle area. */
export function triangleBoundary(n: number, first: number, chunks: number, c: number): number {
  return n - Math.round((n - first) * Math.sqrt(1 - c / chunks));
}

/** A worker's side of a chunk: count it, first obeying the test hook's request to die in it. */
function chunkDone(counters: Int32Array): void {
  const die = Atomics.exchange(counters, DIE, 0);
  if (die === DIE_SILENTLY) process.removeAllListeners('exit');
  if (die !== 0) process.exit(70);
  Atomics.add(counters, DONE, 1);
}

/** The worker's message handlers, as source: one product, or a reduction team's passes until closed. */
function handlersSource(): string {
  return `
function product(task) {
  const [a, b, c] = [task.a, task.b, task.c].map((x) => ({ data: new Float64Array(x.buffer), offset: x.offset, ld: x.ld }));
  const control = new Int32Array(task.control);
  claimChunks(control, 0, (chunk) => {
    productChunk(chunk, task.byRows, task.step, task.shape, a, b, c);
    chunkDone(counters);
  }, state);
}
function reduction(task) {
  const control = new Int32Array(task.control);
  const used = new Int32Array(task.used);
  const a = new Float64Array(task.a);
  const vs = [new Float64Array(task.v0), new Float64Array(task.v1)];
  const w = new Float64Array(task.w);
  const p = new Float64Array(task.p);
  const n = task.n;
  let seen = 0;
  for (;;) {
    Atomics.wait(control, GENERATION, seen);
    const generation = Atomics.load(control, GENERATION);
    if (generation < 0) return;
    seen = generation;
    const first = control[FIRST];
    const parity = control[PARITY];
    const chunks = control[CHUNKS];
    claimChunks(control, generation, (chunk) => {
      if (used[task.slot] !== generation) {
        p.fill(0, first, n);
        used[task.slot] = generation;
      }
      const start = triangleBoundary(n, first, chunks, chunk);
      const end = triangleBoundary(n, first, chunks, chunk + 1);
      fusedUpdateAndProduct(a, n, start, end, vs[parity], w, vs[1 - parity], p);
      chunkDone(counters);
    }, state);
  }
}`;
}

/**
 * Plain JavaScript for a worker thread, built out of the kernels' own compiled source (so the same
 * code runs from TypeScript under tsx/vitest and from built JavaScript).
 */
export function buildWorkerSource(): string {
  const constants = {
    CLAIM, FINISHED, FAILED, GENERATION, FIRST, PARITY, CHUNKS, CLAIM_BITS, MAX_CHUNKS,
    HELD, DEAD, DONE, DIE, DIE_SILENTLY,
  };
  return `
const { parentPort, workerData } = require('node:worker_threads');
const counters = new Int32Array(workerData.counters);
const state = new Int32Array(workerData.state);
${Object.entries(constants).map(([name, value]) => `const ${name} = ${value};`).join('\n')}
// An exiting thread (process.exit, an uncaught error) says so, so the caller stops waiting on it.
process.on('exit', () => Atomics.store(state, DEAD, 1));
${multiplyAddKernelSource()}
${fusedKernelSource()}
${claimChunks.toString()}
${triangleBoundary.toString()}
${chunkDone.toString()}
${handlersSource()}
parentPort.on('message', (task) => (task.kind === 'product' ? product(task) : reduction(task)));
`;
}
