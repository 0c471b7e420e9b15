import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eigenTolerance, gaussianMatrix, randomSymmetric } from '../test-utils.js';
import { multiplyAdd } from './blas.js';
import { eigSym } from './eigen.js';
import { parallelMultiplyAdd, setWorkerCount, sharedFloat64, workerChunksDone } from './parallel.js';
import { diagonalizeTridiagonal } from './tridiagonal-qr.js';
import { tridiagonalize } from './tridiagonal.js';

const defaultWorkers = setWorkerCount(1);
afterAll(() => setWorkerCount(defaultWorkers));

function sharedCopy(x: Float64Array): Float64Array {
  const y = sharedFloat64(x.length);
  y.set(x);
  return y;
}

/**
 * Run `compute` with one worker thread (again, up to a few times, until the worker has taken part:
 * a thread that starts or wakes late leaves every chunk to the caller) and with none.
 */
function withAndWithoutThreads<T>(compute: () => T): { threaded: T; serial: T } {
  setWorkerCount(1);
  const before = workerChunksDone();
  let threaded = compute();
  for (let attempt = 0; attempt < 20 && workerChunksDone() === before; attempt++) threaded = compute();
  expect(workerChunksDone()).toBeGreaterThan(before);
  setWorkerCount(0);
  const serial = compute();
  setWorkerCount(1);
  return { threaded, serial };
}

describe('worker threads', () => {
  // Short and wide (cut by columns) and tall (cut by rows); inside larger arrays, odd sizes.
  it.each([
    [131, 141, 901],
    [601, 41, 700],
  ])('compute a %i×%i×%i product in chunks bit for bit as one thread does, and as defined', (m, n, k) => {
    // C[1…, 3…] += A[2…, 1…] · B[0…, 5…]: offsets and strides.
    const a = sharedCopy(gaussianMatrix(m + 2, k + 1, 1).data);
    const b = sharedCopy(gaussianMatrix(k, n + 5, 2).data);
    const c0 = gaussianMatrix(m + 1, n + 3, 3).data;
    const product = (c: Float64Array, multiply: typeof multiplyAdd): Float64Array => {
      multiply(
        { m, n, k },
        { data: a, offset: 2 * (k + 1) + 1, ld: k + 1 },
        { data: b, offset: 5, ld: n + 5 },
        { data: c, offset: n + 3 + 3, ld: n + 3 },
      );
      return c;
    };
    const { threaded, serial } = withAndWithoutThreads(() => product(sharedCopy(c0), parallelMultiplyAdd));
    expect(Array.from(threaded)).toEqual(Array.from(serial));
    expect(Array.from(product(c0.slice(), multiplyAdd))).toEqual(Array.from(serial));
    let worst = 0;
    for (const [i, j] of [[0, 0], [m - 1, n - 1], [57, 20], [130, 3]] as const) {
      let s = c0[(i + 1) * (n + 3) + j + 3]!;
      for (let p = 0; p < k; p++) s += a[(i + 2) * (k + 1) + p + 1]! * b[p * (n + 5) + j + 5]!;
      worst = Math.max(worst, Math.abs(s - serial[(i + 1) * (n + 3) + j + 3]!));
    }
    expect(worst).toBeLessThan(1e-11);
  });

  it('tridiagonalise with rows shared out to a T with the same eigenvalues, to rounding', () => {
    // T itself is not a well-conditioned function of A; its eigenvalues are.
    const n = 400;
    const a = randomSymmetric(n, 61).data;
    const { threaded, serial } = withAndWithoutThreads(() => {
      const t = tridiagonalize(sharedCopy(a), n);
      diagonalizeTridiagonal(t.d, t.e, null);
      return t.d.sort();
    });
    const tol = eigenTolerance(n, Math.max(-serial[0]!, serial[n - 1]!));
    for (let i = 0; i < n; i++) expect(Math.abs(threaded[i]! - serial[i]!)).toBeLessThan(tol);
  });

  it('give the same eigendecomposition, to rounding', () => {
    const n = 360;
    const a = randomSymmetric(n, 62).data;
    const { threaded, serial } = withAndWithoutThreads(() => eigSym(a, n, 'all'));
    for (let i = 0; i < n; i++) expect(Math.abs(threaded.values[i]! - serial.values[i]!)).toBeLessThan(1e-11);
    // Eigenvectors agree up to sign: |u·u'| = 1 column by column.
    for (let j = 0; j < n; j += 7) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += threaded.vectors![i * n + j]! * serial.vectors![i * n + j]!;
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-9);
    }
  });
});

/**
 * The death scenario, run in a child process: a caller blocked on a lost chunk cannot be timed out
 * from its own thread, so the test's clock must run elsewhere. Prints {message, ms} as JSON. Plain
 * script, not a module: eval'd workers inherit --input-type, and the worker's source uses require.
 */
const deathScenario = `(async () => {
const { killWorkerInNextChunk, parallelMultiplyAdd, setWorkerCount, sharedFloat64 } = await import(process.argv[1]);
const silently = process.argv[2] === 'silently';
const n = 400;
const a = sharedFloat64(n * n);
const b = sharedFloat64(n * n);
a.forEach((_, i) => (a[i] = Math.sin(i)));
b.forEach((_, i) => (b[i] = Math.cos(i)));
const product = () => {
  const c = sharedFloat64(n * n);
  parallelMultiplyAdd({ m: n, n, k: n }, { data: a, offset: 0, ld: n }, { data: b, offset: 0, ld: n }, { data: c, offset: 0, ld: n });
  return c;
};
setWorkerCount(1);
product();
// Let the event loop turn, so the worker is online (how a silent death is seen).
await new Promise((resolve) => setTimeout(resolve, 50));
killWorkerInNextChunk(silently);
let failure;
// The worker must claim a chunk to die in one; a caller that takes them all leaves the request standing.
for (let attempt = 0; attempt < 20 && !failure; attempt++) {
  const started = performance.now();
  try {
    product();
  } catch (error) {
    failure = { message: String(error), ms: performance.now() - started };
  }
}
// Unmet, the request would kill the next worker, possibly before it is online (unseen): stop here.
if (!failure) process.exit(0);
// A fresh worker replaces the dead one, and the next product is right.
setWorkerCount(0);
const serial = product();
setWorkerCount(1);
const recovered = product().every((x, i) => x === serial[i]);
console.log(JSON.stringify({ ...failure, recovered }));
})();
`;

function runDeathScenario(how: string): Promise<{ message?: string; ms?: number; recovered?: boolean }> {
  const parallel = fileURLToPath(new URL('./parallel.ts', import.meta.url));
  const args = ['--import', 'tsx', '-e', deathScenario, parallel, how];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the scenario did not finish (hung, or failed): ${error.message} ${stderr}`));
      else resolve(JSON.parse(stdout || '{}') as { message?: string; ms?: number; recovered?: boolean });
    });
  });
}

describe('a worker thread that dies holding a chunk', () => {
  it.each([
    ['exits (its exit handler runs)', 'exits'],
    ['is stopped from outside (no handler runs, as when out of memory)', 'silently'],
  ])('fails the job within a bound when it %s', async (_how, how) => {
    const result = await runDeathScenario(how);
    expect(result.message).toMatch(/worker thread died while computing a matrix product.*DUALITY_LINALG=lapack/);
    expect(result.ms).toBeLessThan(5000);
    expect(result.recovered).toBe(true);
  }, 15_000);
});
