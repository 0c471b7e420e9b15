import { describe, expect, it } from 'vitest';
import { LinalgInputError, Matrix64, qrTriangle, thinQr } from './index.js';
import { qrTriangle as tsQrTriangle, thinQr as tsThinQr } from './ts/qr.js';
import { frobenius, gaussianMatrix, maxAbsDifference, naiveProduct, orthogonalityDefect } from './test-utils.js';

/** Q R = A, QᵀQ = I and R upper triangular, to tolerances of order rows·‖A‖·ε. */
function expectQr(a: Matrix64): void {
  const { q, r } = thinQr(a);
  const tolerance = 10 * a.rows * Number.EPSILON;
  expect(maxAbsDifference(naiveProduct(q, r), a)).toBeLessThanOrEqual(tolerance * Math.max(frobenius(a), 1));
  expect(orthogonalityDefect(q)).toBeLessThanOrEqual(tolerance);
  for (let i = 0; i < r.rows; i++) for (let j = 0; j < i; j++) expect(r.get(i, j)).toBe(0);
}

describe('thinQr', () => {
  it.each([
    [1, 1],
    [5, 1],
    [50, 7],
    [300, 40],
    [12, 12],
  ])('factors a random %i×%i matrix', (rows, cols) => expectQr(gaussianMatrix(rows, cols, rows + cols)));

  it('keeps Q orthonormal for a rank-deficient A (a zero and a repeated column), with RᵀR = AᵀA', () => {
    const a = gaussianMatrix(30, 4, 3);
    for (let i = 0; i < 30; i++) {
      a.set(i, 1, 0);
      a.set(i, 3, a.get(i, 0));
    }
    expectQr(a);
    const { r } = thinQr(a);
    expect(maxAbsDifference(naiveProduct(r.transpose(), r), naiveProduct(a.transpose(), a))).toBeLessThan(1e-12 * frobenius(a) ** 2);
  });

  it('with overwrite writes the same Q over A (a Matrix64 given), and leaves an array input alone', () => {
    const a = gaussianMatrix(300, 40, 8);
    const expected = thinQr(a);
    const owned = a.clone();
    const { q, r } = thinQr(owned, { overwrite: true });
    expect(q.data).toBe(owned.data);
    expect(Array.from(q.data)).toEqual(Array.from(expected.q.data));
    expect(Array.from(r.data)).toEqual(Array.from(expected.r.data));
    const rows = [[1, 2], [3, 4], [5, 7]];
    thinQr(rows, { overwrite: true });
    expect(rows).toEqual([[1, 2], [3, 4], [5, 7]]);
  });

  it('refuses a wide or non-finite matrix', () => {
    expect(() => thinQr(gaussianMatrix(2, 3, 1))).toThrow(LinalgInputError);
    expect(() => thinQr(gaussianMatrix(2, 3, 1))).toThrow(/rows ≥ cols/);
    expect(() => thinQr(Matrix64.from([[1], [NaN]]))).toThrow(/non-finite entry NaN at \(1, 0\)/);
  });
});

describe('qrTriangle', () => {
  it.each([
    [40, 7],
    [300, 40],
    [9, 9],
  ])('is thinQr’s R, signs included, on the active backend and the TypeScript one (%i×%i)', (rows, cols) => {
    const a = gaussianMatrix(rows, cols, 7 * rows + cols);
    expect(Array.from(qrTriangle(a).data)).toEqual(Array.from(thinQr(a).r.data));
    expect(Array.from(tsQrTriangle(a.data, rows, cols))).toEqual(Array.from(tsThinQr(a.data, rows, cols).r));
  });

  it('refuses a wide matrix', () => {
    expect(() => qrTriangle(gaussianMatrix(3, 5, 1))).toThrow(/qrTriangle: A is 3×5, wider than tall/);
  });
});
