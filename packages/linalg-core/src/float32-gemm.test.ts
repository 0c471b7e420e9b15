import { describe, expect, it } from 'vitest';
import { LinalgInputError } from './errors.js';
import { loadFloat32Gemm, type NativeFloat32Gemm } from './index.js';
import { uniformGenerator } from './random.js';

/** The native product, or undefined where no BLAS is installed; under CI a missing BLAS fails loudly. */
function nativeOrSkip(): NativeFloat32Gemm | undefined {
  try {
    return loadFloat32Gemm();
  } catch (err) {
    if (process.env.CI) throw new Error(`CI is set but the native BLAS did not load: ${(err as Error).message}`);
    return undefined;
  }
}

const native = nativeOrSkip();

function randomFloat32(length: number, seed: number): Float32Array {
  const next = uniformGenerator(seed);
  return Float32Array.from({ length }, () => 2 * next() - 1);
}

/** op(A)·op(B) + beta·C by the definition, in float64. */
function reference(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, b: Float32Array, c: Float32Array, beta: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = beta * c[i * n + j]!;
      for (let p = 0; p < k; p++) sum += a[transA ? p * m + i : i * k + p]! * b[transB ? j * k + p : p * n + j]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

describe.skipIf(!native)('loadFloat32Gemm', () => {
  const { sgemm } = native!;
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [17, 9, 23], [64, 40, 33]];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const beta of [0, 1] as const) {
        it(`matches the triple loop for m=${m} n=${n} k=${k}, transA=${transA}, transB=${transB}, beta=${beta}`, () => {
          const a = randomFloat32(m * k, m + 7 * k);
          const b = randomFloat32(k * n, n + 11 * k);
          const c = randomFloat32(m * n, m * n + 3);
          const expected = reference(transA, transB, m, n, k, a, b, c, beta);
          sgemm(transA, transB, m, n, k, a, b, c, beta);
          const worst = Math.max(...c.map((v, i) => Math.abs(v - expected[i]!)));
          expect(worst).toBeLessThanOrEqual(1e-5 * (k + 1));
        });
      }
    }
  }

  it('reads row-major views that start inside a larger buffer', () => {
    const buffer = randomFloat32(40, 5);
    const a = buffer.subarray(4, 10); // 2×3
    const b = buffer.subarray(20, 26); // 3×2
    const c = new Float32Array(4);
    sgemm(false, false, 2, 2, 3, a, b, c);
    const expected = reference(false, false, 2, 2, 3, a, b, new Float32Array(4), 0);
    c.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it.skipIf(!native?.setThreads)('sets OpenBLAS threads (same products at 1 and 2 threads), refusing counts below 1', () => {
    const { threads } = native!;
    const setThreads = native!.setThreads!;
    const [a, b] = [randomFloat32(300 * 200, 1), randomFloat32(200 * 100, 2)];
    const product = (count: number): Float32Array => {
      setThreads(count);
      const c = new Float32Array(300 * 100);
      sgemm(false, false, 300, 100, 200, a, b, c);
      return c;
    };
    const [one, two] = [product(1), product(2)];
    setThreads(threads ?? 1);
    const worst = Math.max(...one.map((v, i) => Math.abs(v - two[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(() => setThreads(0)).toThrow(LinalgInputError);
  });

  it('gives zeros for an empty inner dimension, and refuses arrays shorter than the shapes', () => {
    const c = Float32Array.of(1, 2, 3, 4);
    sgemm(false, false, 2, 2, 0, new Float32Array(0), new Float32Array(0), c);
    expect([...c]).toEqual([0, 0, 0, 0]);
    expect(() => sgemm(false, false, 2, 2, 2, new Float32Array(3), new Float32Array(4), c)).toThrow(LinalgInputError);
    expect(() => sgemm(false, false, 2, 2, 1.5, new Float32Array(4), new Float32Array(4), c)).toThrow(/integer/);
  });
});
