import { describe, expect, it } from 'vitest';
import { gemm, syrk } from './index.js';
import { frobenius, gaussianMatrix, maxAbsDifference, naiveProduct } from './test-utils.js';

describe('gemm', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 2],
    [17, 9, 23],
    [40, 64, 33],
  ];
  for (const [m, k, p] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`matches the triple loop for ${m}×${k} · ${k}×${p}, transA=${transA}, transB=${transB}`, () => {
          const a = gaussianMatrix(m, k, m * 7 + k);
          const b = gaussianMatrix(k, p, k * 11 + p);
          const expected = naiveProduct(a, b);
          const got = gemm(transA ? a.transpose() : a, transB ? b.transpose() : b, { transA, transB });
          expect([got.rows, got.cols]).toEqual([m, p]);
          expect(maxAbsDifference(got, expected)).toBeLessThanOrEqual(1e-13 * (1 + frobenius(expected)));
        });
      }
    }
  }

  it('updates a given C in place: C := α·op(A)·op(B) + β·C, and β = 0 ignores C (NaN included)', () => {
    const a = gaussianMatrix(17, 9, 3);
    const b = gaussianMatrix(23, 9, 4);
    const c0 = gaussianMatrix(17, 23, 5);
    const product = naiveProduct(a, b.transpose());
    const c = c0.clone();
    expect(gemm(a, b, { transB: true, into: c, alpha: -0.5, beta: 2 })).toBe(c);
    const expected = c0.clone();
    for (let x = 0; x < expected.data.length; x++) expected.data[x] = 2 * c0.data[x]! - 0.5 * product.data[x]!;
    expect(maxAbsDifference(c, expected)).toBeLessThanOrEqual(1e-13 * (1 + frobenius(expected)));
    c.data.fill(NaN);
    gemm(a, b, { transB: true, into: c });
    expect(maxAbsDifference(c, product)).toBeLessThanOrEqual(1e-13 * (1 + frobenius(product)));
    // An empty inner dimension: the product is zero, so C := β·C.
    const small = gaussianMatrix(2, 3, 6);
    const updated = gemm(gaussianMatrix(0, 2, 1), gaussianMatrix(0, 3, 2), { transA: true, into: small.clone(), beta: 3 });
    expect(Array.from(updated.data)).toEqual(Array.from(small.data, (v) => 3 * v));
  });

  it('refuses a C of the wrong shape, one sharing memory with A or B, and β without C', () => {
    const a = gaussianMatrix(4, 4, 1);
    expect(() => gemm(a, a, { into: gaussianMatrix(4, 3, 2) })).toThrow(/into is 4×3 but op\(A\)·op\(B\) is 4×4/);
    expect(() => gemm(a, gaussianMatrix(4, 4, 2), { into: a })).toThrow(/overlaps/);
    expect(() => gemm(a, a, { beta: 1 })).toThrow(/needs a matrix C/);
  });

  it('names mismatched inner dimensions and non-finite entries', () => {
    expect(() => gemm(gaussianMatrix(2, 3, 1), gaussianMatrix(4, 2, 2))).toThrow(/inner dimensions/);
    expect(() => gemm([[1, NaN]], [[1], [2]])).toThrow(/\(0, 1\)/);
  });
});

describe('syrk', () => {
  it.each([
    [1, 1],
    [6, 2],
    [30, 45],
  ])('equals A·Aᵀ for %i×%i, symmetric', (m, k) => {
    const a = gaussianMatrix(m, k, m + k);
    const got = syrk(a);
    expect(maxAbsDifference(got, naiveProduct(a, a.transpose()))).toBeLessThanOrEqual(1e-13 * frobenius(got));
    expect(maxAbsDifference(got, got.transpose())).toBe(0);
  });
});
