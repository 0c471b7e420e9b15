import { describe, expect, it } from 'vitest';
import { householderQr, LinalgInputError, Matrix64, qrTriangle, thinQr } from './index.js';
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

describe('householderQr', () => {
  it.each([
    [300, 40, 3],
    [50, 7, 1],
    [12, 12, 5],
  ])('gives thinQr’s R and Q·V without forming Q (%i×%i, V with %i columns)', (rows, cols, k) => {
    const a = gaussianMatrix(rows, cols, rows * cols);
    const v = gaussianMatrix(cols, k, k);
    const { q, r } = thinQr(a);
    const kept = householderQr(a);
    expect(kept.r.data).toEqual(r.data);
    expect(maxAbsDifference(kept.multiplyQ(v), naiveProduct(q, v))).toBeLessThan(20 * rows * Number.EPSILON * frobenius(v));
  });

  it('Q·I is an orthonormal Q with Q R = A, also for a rank-deficient A', () => {
    const a = gaussianMatrix(60, 5, 9);
    for (let i = 0; i < 60; i++) a.set(i, 2, a.get(i, 0) - a.get(i, 1));
    const kept = householderQr(a);
    const q = kept.multiplyQ(Matrix64.identity(5));
    expect(orthogonalityDefect(q)).toBeLessThan(1e-14);
    expect(maxAbsDifference(naiveProduct(q, kept.r), a)).toBeLessThan(1e-13 * frobenius(a));
  });

  it('refuses a V with the wrong number of rows, naming the size it needs', () => {
    const kept = householderQr(gaussianMatrix(20, 4, 2));
    expect(() => kept.multiplyQ(gaussianMatrix(5, 1, 3))).toThrow(/V has 5 rows; it must have 4/);
    expect(() => householderQr(gaussianMatrix(3, 4, 1))).toThrow(LinalgInputError);
  });
});
