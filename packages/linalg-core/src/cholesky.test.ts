import { describe, expect, it } from 'vitest';
import { Matrix64, NotPositiveDefiniteError, cholesky, choleskySolve, gemm, lowerTransposedProduct, lowerTriangularSolve, solveSpd } from './index.js';
import { frobenius, gaussianMatrix, maxAbsDifference, naiveProduct, symmetricWithSpectrum } from './test-utils.js';

const n = 50;
const spd = symmetricWithSpectrum(Array.from({ length: n }, (_, i) => 0.5 + i), 31);

describe('cholesky', () => {
  it('gives a lower-triangular L with L Lᵀ = A', () => {
    const l = cholesky(spd);
    for (let i = 0; i < n; i++) {
      expect(l.get(i, i)).toBeGreaterThan(0);
      for (let j = i + 1; j < n; j++) expect(l.get(i, j)).toBe(0);
    }
    expect(maxAbsDifference(naiveProduct(l, l.transpose()), spd)).toBeLessThanOrEqual(1e-13 * frobenius(spd));
  });

  it('reports the first non-positive pivot', () => {
    // The leading 2×2 block is positive definite; the third pivot is not.
    const a = Matrix64.from([
      [4, 2, 0],
      [2, 5, 1],
      [0, 1, -3],
    ]);
    try {
      cholesky(a);
      expect.unreachable('cholesky accepted an indefinite matrix');
    } catch (err) {
      expect(err).toBeInstanceOf(NotPositiveDefiniteError);
      const e = err as NotPositiveDefiniteError;
      expect(e.pivot).toBe(2);
      // Pivot 2 is a_22 − l_20² − l_21² = −3 − 0 − (1/2)² .
      expect(e.value).toBeCloseTo(-3.25, 12);
      expect(e.message).toMatch(/pivot 2/);
    }
    expect(() => cholesky(new Matrix64(3, 3))).toThrow(NotPositiveDefiniteError);
  });

  it('solves L Lᵀ X = B for several right-hand sides', () => {
    const b = gaussianMatrix(n, 3, 32);
    const x = choleskySolve(cholesky(spd), b);
    expect(maxAbsDifference(gemm(spd, x), b)).toBeLessThanOrEqual(1e-11 * frobenius(b));
    expect(maxAbsDifference(solveSpd(spd, b), x)).toBe(0);
  });

  it('the lower solve is half of it: L X = B, and ‖L⁻¹b‖² = bᵀA⁻¹b', () => {
    const factor = cholesky(spd);
    const b = gaussianMatrix(n, 3, 33);
    const half = lowerTriangularSolve(factor, b);
    expect(maxAbsDifference(gemm(factor, half), b)).toBeLessThanOrEqual(1e-12 * frobenius(b));
    const full = choleskySolve(factor, b);
    for (let c = 0; c < 3; c++) {
      let quadratic = 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        quadratic += b.get(i, c) * full.get(i, c);
        squares += half.get(i, c) ** 2;
      }
      expect(Math.abs(squares - quadratic)).toBeLessThanOrEqual(1e-12 * quadratic);
    }
    expect(() => lowerTriangularSolve(factor, gaussianMatrix(n + 1, 1, 1))).toThrow(/lowerTriangularSolve: B/);
    const owned = b.clone();
    expect(lowerTriangularSolve(factor, owned, { overwrite: true })).toBe(owned);
    expect(maxAbsDifference(owned, half)).toBe(0);
    expect(maxAbsDifference(lowerTriangularSolve(factor, b), half)).toBe(0); // b itself untouched
  });

  it('handles 1×1 and refuses a right-hand side of the wrong height', () => {
    expect(cholesky([[9]]).get(0, 0)).toBe(3);
    expect(choleskySolve(cholesky([[4]]), [[2]]).get(0, 0)).toBe(0.5);
    expect(() => choleskySolve(cholesky(spd), gaussianMatrix(n + 1, 1, 1))).toThrow(/rows/);
  });
});

describe('lowerTransposedProduct', () => {
  it('equals B·Lᵀ for a lower triangle (a zero pivot allowed), never reading above the diagonal', () => {
    const k = 37;
    const lower = gaussianMatrix(k, k, 11);
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) lower.set(i, j, 0);
    lower.set(5, 5, 0);
    const withJunk = lower.clone();
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) withJunk.set(i, j, 1e6);
    const b = gaussianMatrix(53, k, 12);
    const expected = gemm(b, lower, { transB: true });
    const got = lowerTransposedProduct(b, withJunk);
    expect(maxAbsDifference(got, expected)).toBeLessThanOrEqual(1e-13 * frobenius(expected));
    const owned = b.clone();
    expect(lowerTransposedProduct(owned, withJunk, { overwrite: true })).toBe(owned);
    expect(maxAbsDifference(owned, got)).toBe(0);
  });

  it('refuses a factor that does not fit B', () => {
    expect(() => lowerTransposedProduct(gaussianMatrix(4, 3, 1), gaussianMatrix(4, 4, 2))).toThrow(/B has 3 columns but the factor is 4×4/);
  });
});
