import { afterAll, describe, expect, it } from 'vitest';
import {
  applySpectral,
  applySpectralToProjections,
  availableBackends,
  backendInfo,
  cholesky,
  choleskySolve,
  lowerTriangularSolve,
  eigSym,
  gemm,
  lowRankSpectrum,
  Matrix64,
  NotPositiveDefiniteError,
  setBackend,
  syrk,
  thinQr,
  householderQr,
  type BackendName,
} from './index.js';
import {
  eigenTolerance,
  frobenius,
  gaussianMatrix,
  maxAbsDifference,
  randomSymmetric,
  symmetricWithSpectrum,
} from './test-utils.js';

/*
 * The native LAPACK backend and the pure TypeScript backend are independent implementations of the
 * same contract: every answer must agree to rounding, through the public API. Eigenvectors are
 * unique only up to sign (and, for repeated eigenvalues, up to a rotation of the eigenspace), so
 * those are compared through sign-free or basis-free quantities.
 */

const lapackLoads = availableBackends().includes('lapack');
if (!lapackLoads && process.env.CI) {
  throw new Error('CI is set but native LAPACK did not load: install it (apt-get install -y libopenblas0-pthread)');
}

const norm = (m: Matrix64): number => frobenius(m);
const maxAbsDiff = (x: Matrix64 | Float64Array, y: Matrix64 | Float64Array): number => {
  const matrix = (m: Matrix64 | Float64Array): Matrix64 => (m instanceof Matrix64 ? m : new Matrix64(1, m.length, m));
  return maxAbsDifference(matrix(x), matrix(y));
};

/** Run `compute` under each backend. */
function onBoth<T>(compute: () => T): Record<BackendName, T> {
  setBackend('lapack');
  const lapack = compute();
  setBackend('ts');
  return { lapack, ts: compute() };
}

/** A smooth spectral function: U f(Λ) Uᵀ is the same for every eigenbasis, repeated eigenvalues included. */
const smooth = (lambda: number): number => 1 / (1 + lambda * lambda);

describe.skipIf(!lapackLoads)('the lapack and ts backends agree', () => {
  const before = lapackLoads ? backendInfo().name : 'ts';
  afterAll(() => setBackend(before));

  const cases: [string, Matrix64][] = [
    ['random 60×60', randomSymmetric(60, 1)],
    ['repeated and clustered eigenvalues', symmetricWithSpectrum([4, 4, 4, 1, 1, 1 + 1e-10, -2, 0, 0, 3, 3, 7], 2)],
    ['rank 3 of order 20', symmetricWithSpectrum([5, 3, 1, ...new Array<number>(17).fill(0)], 3)],
    ['zero matrix', new Matrix64(8, 8)],
    ['1×1', Matrix64.from([[-2.5]])],
    ['graded diagonal 1e-12 … 1e12', (() => {
      const a = new Matrix64(7, 7);
      for (let i = 0; i < 7; i++) a.set(i, i, (i % 2 ? -1 : 1) * 10 ** (4 * i - 12));
      return a;
    })()],
  ];

  describe.each(cases)('eigSym on %s', (_name, a) => {
    const n = a.rows;
    const tolerance = eigenTolerance(n, norm(a));
    const b = gaussianMatrix(n, 2, 7);

    it('eigenvalues agree in every mode', () => {
      const all = onBoth(() => eigSym(a).values);
      const none = onBoth(() => eigSym(a, { vectors: 'none' }).values);
      const rhs = onBoth(() => eigSym(a, { vectors: b }).values);
      for (const values of [all.ts, none.lapack, none.ts, rhs.lapack, rhs.ts]) {
        expect(maxAbsDiff(values, all.lapack)).toBeLessThanOrEqual(tolerance);
      }
    });

    it('eigenvectors agree through U f(Λ) Uᵀ B (basis-free)', () => {
      const full = onBoth(() => applySpectral(eigSym(a), smooth, b));
      const projected = onBoth(() => {
        const eig = eigSym(a, { vectors: b, expandable: true });
        return applySpectralToProjections(eig, smooth, eig.projections!);
      });
      // f = 1/(1+λ²) is 1-Lipschitz: a backward error of order n‖A‖ε moves f(A)·b by about n‖A‖‖b‖ε.
      const scale = eigenTolerance(n, norm(a) * norm(b));
      expect(maxAbsDiff(full.ts.data, full.lapack.data)).toBeLessThanOrEqual(scale);
      expect(maxAbsDiff(projected.lapack.data, full.lapack.data)).toBeLessThanOrEqual(scale);
      expect(maxAbsDiff(projected.ts.data, full.lapack.data)).toBeLessThanOrEqual(scale);
    });
  });

  it('projections UᵀB agree up to the sign of each eigenvector when the eigenvalues are distinct', () => {
    const n = 80;
    const a = randomSymmetric(n, 11);
    const b = gaussianMatrix(n, 3, 12);
    const { lapack, ts } = onBoth(() => eigSym(a, { vectors: b }));
    const values = lapack.values;
    const gap = Math.min(...Array.from(values.subarray(1), (v, i) => values[i]! - v));
    const tolerance = (eigenTolerance(n, norm(a), 100) * norm(b)) / gap;
    const abs = (m: Matrix64): Float64Array => m.data.map(Math.abs);
    expect(maxAbsDiff(abs(ts.projections!), abs(lapack.projections!))).toBeLessThan(tolerance);
  });

  it('Cholesky factors and SPD solves agree', () => {
    const n = 50;
    const m = gaussianMatrix(n, n, 21);
    const spd = syrk(m);
    for (let i = 0; i < n; i++) spd.set(i, i, spd.get(i, i) + 1);
    const rhs = gaussianMatrix(n, 4, 22);
    const { lapack, ts } = onBoth(() => {
      const factor = cholesky(spd);
      return { factor, solution: choleskySolve(factor, rhs), half: lowerTriangularSolve(factor, rhs) };
    });
    expect(maxAbsDiff(ts.factor, lapack.factor)).toBeLessThan(eigenTolerance(n, norm(spd), 100));
    expect(maxAbsDiff(ts.solution, lapack.solution)).toBeLessThan(1e-8 * norm(lapack.solution));
    expect(maxAbsDiff(ts.half, lapack.half)).toBeLessThan(1e-8 * norm(lapack.half));
  });

  it('both name the same failing Cholesky pivot', () => {
    const indefinite = symmetricWithSpectrum([3, 2, 1, -1, 0.5], 31);
    const failure = onBoth(() => {
      try {
        cholesky(indefinite);
        return undefined;
      } catch (err) {
        return err;
      }
    });
    expect(failure.lapack).toBeInstanceOf(NotPositiveDefiniteError);
    expect(failure.ts).toBeInstanceOf(NotPositiveDefiniteError);
    const [l, t] = [failure.lapack as NotPositiveDefiniteError, failure.ts as NotPositiveDefiniteError];
    expect(t.pivot).toBe(l.pivot);
    expect(Math.abs(t.value - l.value)).toBeLessThan(1e-12 * norm(indefinite));
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('gemm agrees with transA=%s transB=%s, and syrk agrees', (transA, transB) => {
    const [m, k, n] = [33, 47, 29];
    const a = transA ? gaussianMatrix(k, m, 41) : gaussianMatrix(m, k, 41);
    const b = transB ? gaussianMatrix(n, k, 42) : gaussianMatrix(k, n, 42);
    const product = onBoth(() => gemm(a, b, { transA, transB }));
    expect(product.ts.rows).toBe(m);
    // Two summation orders of a k-term dot product differ by at most 2k·ε·‖A‖·‖B‖.
    expect(maxAbsDiff(product.ts, product.lapack)).toBeLessThan(2 * k * Number.EPSILON * norm(a) * norm(b));
    const gram = onBoth(() => syrk(a));
    expect(maxAbsDiff(gram.ts, gram.lapack)).toBeLessThan(2 * a.cols * Number.EPSILON * norm(a) ** 2);
  });

  it('thin QR agrees entry by entry (both use dgeqrf\'s sign convention)', () => {
    const a = gaussianMatrix(120, 9, 51);
    const { lapack, ts } = onBoth(() => thinQr(a));
    expect(maxAbsDiff(ts.r, lapack.r)).toBeLessThan(10 * a.rows * Number.EPSILON * norm(a));
    expect(maxAbsDiff(ts.q, lapack.q)).toBeLessThan(10 * a.rows * Number.EPSILON);
  });

  it('Householder QR agrees: the same R and the same products with Q (dormqr against the TS reflectors)', () => {
    const a = gaussianMatrix(120, 9, 53);
    const v = gaussianMatrix(9, 4, 54);
    const { lapack, ts } = onBoth(() => {
      const kept = householderQr(a);
      return { r: kept.r, product: kept.multiplyQ(v) };
    });
    expect(maxAbsDiff(ts.r, lapack.r)).toBeLessThan(10 * a.rows * Number.EPSILON * norm(a));
    expect(maxAbsDiff(ts.product, lapack.product)).toBeLessThan(10 * a.rows * Number.EPSILON * norm(v));
  });

  it('thin QR of a rank-deficient matrix: R past the rank is rounding-determined, RᵀR = AᵀA on both', () => {
    const a = gaussianMatrix(40, 5, 52);
    for (let i = 0; i < 40; i++) a.set(i, 2, a.get(i, 0) - a.get(i, 1));
    const gram = gemm(a, a, { transA: true });
    const { lapack, ts } = onBoth(() => thinQr(a));
    for (const { q, r } of [lapack, ts]) {
      expect(maxAbsDiff(gemm(r, r, { transA: true }), gram)).toBeLessThan(1e-12 * norm(gram));
      expect(maxAbsDiff(gemm(q, q, { transA: true }), Matrix64.identity(5))).toBeLessThan(1e-13);
    }
  });

  it('lowRankSpectrum agrees: the same σ² and the same U_r diag(σ²) U_rᵀ', () => {
    const f = gaussianMatrix(150, 12, 61);
    const { lapack, ts } = onBoth(() => lowRankSpectrum(f));
    expect(ts.rank).toBe(lapack.rank);
    const top = lapack.values[0]!;
    expect(maxAbsDiff(ts.values, lapack.values)).toBeLessThan(1e-13 * top);
    const weighted = (s: typeof ts) => gemm(s.vectors, s.vectors, { transB: true });
    expect(maxAbsDiff(weighted(ts), weighted(lapack))).toBeLessThan(1e-12);
  });
});
