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
