import { describe, expect, it } from 'vitest';
import type { LinalgBackend } from '../backend.js';
import { Matrix64 } from '../matrix.js';
import {
  eigenResidual,
  eigenTolerance,
  frobenius,
  gaussianMatrix,
  maxAbsDifference,
  naiveProduct,
  orthogonalityDefect,
  randomSymmetric,
  symmetricWithSpectrum,
} from '../test-utils.js';
import { loadLapackBackend } from './backend.js';

/** The native backend, or undefined where LAPACK is not installed; under CI a missing LAPACK fails loudly. */
function lapackOrSkip(): LinalgBackend | undefined {
  try {
    return loadLapackBackend().backend;
  } catch (err) {
    if (process.env.CI) throw new Error(`CI is set but native LAPACK did not load: ${(err as Error).message}`);
    return undefined;
  }
}

const lapack = lapackOrSkip();
const EPS = Number.EPSILON;

const random = (rows: number, cols: number, seed: number): Float64Array => gaussianMatrix(rows, cols, seed).data;

/** op(A)·op(B) by the definition, A stored aRows×aCols and B bRows×bCols (row-major). */
function product(
  a: Float64Array, aRows: number, aCols: number, transA: boolean,
  b: Float64Array, bRows: number, bCols: number, transB: boolean,
): Float64Array {
  const opA = transA ? new Matrix64(aRows, aCols, a).transpose() : new Matrix64(aRows, aCols, a);
  const opB = transB ? new Matrix64(bRows, bCols, b).transpose() : new Matrix64(bRows, bCols, b);
  return naiveProduct(opA, opB).data;
}

const norm = (m: Float64Array): number => frobenius(new Matrix64(1, m.length, m));
const maxAbsDiff = (x: Float64Array, y: Float64Array): number =>
  maxAbsDifference(new Matrix64(1, x.length, x), new Matrix64(1, y.length, y));
const identity = (n: number): Float64Array => Matrix64.identity(n).data;

/** Assert A·U = U·Λ and UᵀU = I to tolerances scaled by n‖A‖ε, and the values descending. */
function expectEigenpairs(a: Float64Array, n: number, values: Float64Array, u: Float64Array): void {
  for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
  const [A, U] = [new Matrix64(n, n, a), new Matrix64(n, n, u)];
  expect(eigenResidual(A, values, U)).toBeLessThanOrEqual(eigenTolerance(n, norm(a)));
  expect(orthogonalityDefect(U)).toBeLessThanOrEqual(eigenTolerance(n, 1));
}

describe.skipIf(!lapack)('lapack backend', () => {
  const backend = lapack!;

  it('names the shared libraries it loaded', () => {
    const { libraries } = loadLapackBackend();
    expect(libraries.some((entry) => /lib(lapack|openblas)[^ ]*\.so/.test(entry))).toBe(true);
  });

  describe('eigSym', () => {
    it.each([1, 2, 7, 40])('all vectors of a random symmetric matrix of order %i satisfy A U = U Λ and UᵀU = I', (n) => {
      const a = randomSymmetric(n, n).data;
      const input = a.slice();
      const { values, vectors } = backend.eigSym(a, n, 'all');
      expect(a).toEqual(input);
      expectEigenpairs(a, n, values, vectors!);
    });

    it('recovers a known spectrum with repeated eigenvalues, descending', () => {
      const spectrum = [3, 3, 3, 1, 1, -2, 0, 0, 5, 3];
      const n = spectrum.length;
      const a = symmetricWithSpectrum(spectrum, 11).data;
      const { values, vectors } = backend.eigSym(a, n, 'all');
      const expected = Float64Array.from(spectrum).sort().reverse();
      expect(maxAbsDiff(values, expected)).toBeLessThan(10 * n * norm(a) * EPS);
      expectEigenpairs(a, n, values, vectors!);
    });

    it('returns a graded diagonal exactly, with unit-vector eigenvectors', () => {
      const diagonal = [1e-12, 1e12, -3, 1, 1e6, -1e-6];
      const n = diagonal.length;
      const a = new Float64Array(n * n);
      diagonal.forEach((d, i) => (a[i * n + i] = d));
      const { values, vectors } = backend.eigSym(a, n, 'all');
      expect(Array.from(values)).toEqual([...diagonal].sort((x, y) => y - x));
      for (let j = 0; j < n; j++) {
        const row = diagonal.indexOf(values[j]!);
        expect(Math.abs(vectors![row * n + j]!)).toBe(1);
      }
    });

    it("'none' gives the same eigenvalues as 'all' and no vectors", () => {
      const n = 25;
      const a = randomSymmetric(n, 3).data;
      const none = backend.eigSym(a, n, 'none');
      expect(none.vectors).toBeUndefined();
      expect(maxAbsDiff(none.values, backend.eigSym(a, n, 'all').values)).toBeLessThan(10 * n * norm(a) * EPS);
    });

    it('handles the empty matrix', () => {
      expect(backend.eigSym(new Float64Array(0), 0, 'all').values).toHaveLength(0);
      const raw = backend.eigSym(new Float64Array(0), 0, { rhs: new Float64Array(0), cols: 2, keepBasis: true });
      expect(raw.projections).toHaveLength(0);
    });
  });

  describe('eigSym with right-hand sides', () => {
    const n = 30;
    const cols = 3;
    const a = randomSymmetric(n, 5).data;
    const b = random(n, cols, 6);
    const scale = n * norm(a) * EPS;

    it('returns UᵀB for the basis expand uses, with the eigenvalues of the full decomposition', () => {
      const inputs = [a.slice(), b.slice()];
      const raw = backend.eigSym(a, n, { rhs: b, cols, keepBasis: true });
      expect([a, b]).toEqual(inputs);
      const full = backend.eigSym(a, n, 'all');
      expect(maxAbsDiff(raw.values, full.values)).toBeLessThan(10 * scale);

      // U formed the long way from expand(I): its eigenpairs hold and UᵀB is the projection returned.
      const u = raw.expand!(identity(n), n);
      expectEigenpairs(a, n, raw.values, u);
      const longWay = product(u, n, n, true, b, n, cols, false);
      expect(maxAbsDiff(raw.projections!, longWay)).toBeLessThan(10 * n * EPS * norm(b));

      // Distinct eigenvalues: the same projections as the full decomposition's, up to each eigenvector's sign.
      const fullProjections = product(full.vectors!, n, n, true, b, n, cols, false);
      expect(maxAbsDiff(raw.projections!.map(Math.abs), fullProjections.map(Math.abs))).toBeLessThan(1e3 * scale);
    });

    it('expand inverts the projection: U·(UᵀB) = B', () => {
      const raw = backend.eigSym(a, n, { rhs: b, cols, keepBasis: true });
      expect(maxAbsDiff(raw.expand!(raw.projections!, cols), b)).toBeLessThan(10 * n * EPS * norm(b));
    });

    it('keeps no basis unless asked, and accepts zero columns', () => {
      expect(backend.eigSym(a, n, { rhs: b, cols, keepBasis: false }).expand).toBeUndefined();
      const none = backend.eigSym(a, n, { rhs: new Float64Array(0), cols: 0, keepBasis: false });
      expect(none.projections).toHaveLength(0);
      expect(maxAbsDiff(none.values, backend.eigSym(a, n, 'none').values)).toBeLessThan(10 * scale);
    });
  });

  describe('cholesky and choleskySolve', () => {
    const n = 20;
    const m = random(n, n, 9);
    const spd = product(m, n, n, false, m, n, n, true).map((x, idx) => x + (idx % (n + 1) === 0 ? n : 0));

    it('factors A = L Lᵀ with L lower triangular', () => {
      const input = spd.slice();
      const result = backend.cholesky(spd, n);
      expect(spd).toEqual(input);
      if (!('factor' in result)) throw new Error(`unexpected pivot ${result.pivot}`);
      const l = result.factor;
      for (let i = 0; i < n; i++) {
        expect(l[i * n + i]!).toBeGreaterThan(0);
        for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
      }
      const llt = product(l, n, n, false, l, n, n, true);
      expect(maxAbsDiff(llt, spd)).toBeLessThan(10 * n * norm(spd) * EPS);
    });

    it('solves A X = B through the factor', () => {
      const result = backend.cholesky(spd, n);
      if (!('factor' in result)) throw new Error(`unexpected pivot ${result.pivot}`);
      const b = random(n, 4, 10);
      const x = backend.choleskySolve(result.factor, n, b, 4);
      const residual = product(spd, n, n, false, x, n, 4, false);
      expect(maxAbsDiff(residual, b)).toBeLessThan(1e3 * n * EPS * norm(b));
    });

    it('reports the first non-positive pivot (0-based) and its Schur-complement value', () => {
      // Pivots of [[4,2,0],[2,5,3],[0,3,1]]: 4, then 5 − 2²/4 = 4, then 1 − 3²/4 = −1.25.
      expect(backend.cholesky(Float64Array.of(4, 2, 0, 2, 5, 3, 0, 3, 1), 3)).toEqual({ pivot: 2, value: -1.25 });
      expect(backend.cholesky(new Float64Array(4), 2)).toEqual({ pivot: 0, value: 0 });
    });
  });

  describe('products', () => {
    it.each([
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ])('gemm with transA=%s transB=%s matches the definition on rectangular shapes', (transA, transB) => {
      const [m, k, n] = [5, 7, 3];
      const [aRows, aCols] = transA ? [k, m] : [m, k];
      const [bRows, bCols] = transB ? [n, k] : [k, n];
      const a = random(aRows, aCols, 1);
      const b = random(bRows, bCols, 2);
      const c = backend.gemm(a, aRows, aCols, transA, b, bRows, bCols, transB);
      expect(c).toHaveLength(m * n);
      const expected = product(a, aRows, aCols, transA, b, bRows, bCols, transB);
      // Each entry is a k-term dot product: rounding is at most k·ε·‖A‖·‖B‖.
      expect(maxAbsDiff(c, expected)).toBeLessThan(k * EPS * norm(a) * norm(b));
    });

    it('gemm with an empty inner dimension gives zeros', () => {
      expect(Array.from(backend.gemm(new Float64Array(0), 2, 0, false, new Float64Array(0), 0, 3, false))).toEqual(
        new Array(6).fill(0),
      );
    });

    it('syrk gives A Aᵀ with both triangles filled', () => {
      const [m, k] = [6, 4];
      const a = random(m, k, 4);
      const c = backend.syrk(a, m, k);
      expect(maxAbsDiff(c, product(a, m, k, false, a, m, k, true))).toBeLessThan(k * EPS * norm(a) ** 2);
      expect(c).toEqual(new Matrix64(m, m, c).transpose().data);
    });
  });
});
