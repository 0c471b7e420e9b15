import { describe, expect, it } from 'vitest';
import { eigSym, gemm, LinalgInputError, lowRankSpectrum, Matrix64, syrk } from './index.js';
import { gaussianMatrix, maxAbsDifference, naiveProduct, orthogonalityDefect } from './test-utils.js';

/** U_r diag(values) U_rᵀ densely: the projector-weighted sum, compared entrywise (sign- and basis-free). */
function reconstruct(vectors: Matrix64, values: Float64Array): Matrix64 {
  const scaled = vectors.clone();
  for (let i = 0; i < scaled.rows; i++) for (let j = 0; j < scaled.cols; j++) scaled.data[i * scaled.cols + j]! *= values[j]!;
  return gemm(scaled, vectors, { transB: true });
}

/** The orthogonal projector U Uᵀ onto a subspace. */
const projector = (u: Matrix64): Matrix64 => gemm(u, u, { transB: true });

describe('lowRankSpectrum', () => {
  it('matches the dense eigSym of F Fᵀ at n = 300, r = 40: values to 1e-12 relative, the same subspace', () => {
    const f = gaussianMatrix(300, 40, 1);
    const low = lowRankSpectrum(f);
    const dense = eigSym(syrk(f));
    expect(low.rank).toBe(40);
    expect(low.dropped).toBe(0);
    for (let j = 0; j < 40; j++) expect(Math.abs(low.values[j]! - dense.values[j]!)).toBeLessThan(1e-12 * dense.values[j]!);
    for (let j = 1; j < 40; j++) expect(low.values[j]!).toBeLessThanOrEqual(low.values[j - 1]!);
    expect(orthogonalityDefect(low.vectors)).toBeLessThan(1e-13);
    const denseTop = new Matrix64(300, 40);
    for (let i = 0; i < 300; i++) denseTop.data.set(dense.vectors!.data.subarray(i * 300, i * 300 + 40), i * 40);
    // Gap λ40 / λ1 is about 0.3 here: the subspaces agree to rounding.
    expect(maxAbsDifference(projector(low.vectors), projector(denseTop))).toBeLessThan(1e-12);
    expect(maxAbsDifference(reconstruct(low.vectors, low.values), syrk(f))).toBeLessThan(1e-12 * dense.values[0]!);
  });

  it('drops the directions of a rank-deficient F and keeps U orthonormal for tiny σ', () => {
    // F = G·H with G 200×6 and H 6×10: rank 6 in 10 columns; one kept direction is scaled down to σ ≈ 1e-6.
    const g = gaussianMatrix(200, 6, 2);
    for (let i = 0; i < 200; i++) g.data[i * 6 + 5]! *= 1e-6;
    const f = naiveProduct(g, gaussianMatrix(6, 10, 3));
    const low = lowRankSpectrum(f);
    expect(low.rank).toBe(6);
    expect(low.dropped).toBe(4);
    expect(low.vectors.cols).toBe(6);
    expect(orthogonalityDefect(low.vectors)).toBeLessThan(1e-13);
    expect(low.values[5]! / low.values[0]!).toBeLessThan(1e-10);
    expect(maxAbsDifference(reconstruct(low.vectors, low.values), syrk(f))).toBeLessThan(1e-12 * low.values[0]!);
  });

  it('r = 1: the single eigenvalue ‖f‖² with the unit vector f/‖f‖', () => {
    const f = gaussianMatrix(25, 1, 4);
    const low = lowRankSpectrum(f);
    let norm2 = 0;
    for (const v of f.data) norm2 += v * v;
    expect(low.rank).toBe(1);
    expect(Math.abs(low.values[0]! - norm2)).toBeLessThan(1e-13 * norm2);
    const sign = Math.sign(low.vectors.get(0, 0) / f.get(0, 0));
    for (let i = 0; i < 25; i++) expect(Math.abs(sign * low.vectors.get(i, 0) - f.get(i, 0) / Math.sqrt(norm2))).toBeLessThan(1e-15);
  });

  it('a zero factor has rank 0 (everything dropped)', () => {
    const low = lowRankSpectrum(new Matrix64(5, 2));
    expect(low.rank).toBe(0);
    expect(low.dropped).toBe(2);
    expect(low.vectors.cols).toBe(0);
  });

  it('refuses bad input with errors that name the problem', () => {
    expect(() => lowRankSpectrum(gaussianMatrix(3, 4, 5))).toThrow(LinalgInputError);
    expect(() => lowRankSpectrum(gaussianMatrix(3, 4, 5))).toThrow(/more columns than rows/);
    expect(() => lowRankSpectrum(new Matrix64(4, 0))).toThrow(/at least one row and one column/);
    expect(() => lowRankSpectrum(Matrix64.from([[1], [Infinity]]))).toThrow(/non-finite entry Infinity at \(1, 0\)/);
    expect(() => lowRankSpectrum(gaussianMatrix(4, 2, 6), { relativeTolerance: 1 })).toThrow(/relativeTolerance/);
    expect(() => lowRankSpectrum(gaussianMatrix(4, 2, 6), { relativeTolerance: -1 })).toThrow(/relativeTolerance/);
  });

  it('is scale-safe: F·c gives σ²·c² and the same vectors wherever σ² fits in float64', () => {
    const base = gaussianMatrix(30, 4, 41);
    const ref = lowRankSpectrum(base);
    // Near the largest and smallest scales where σ² (about 30·c²) is still a normal float64, and two ordinary ones.
    for (const c of [1e152, 1e-150, 1e100, 1e-100]) {
      const f = new Matrix64(30, 4, base.data.map((v) => v * c));
      const low = lowRankSpectrum(f);
      expect(low.rank).toBe(ref.rank);
      for (let j = 0; j < ref.rank; j++) {
        const expected = ref.values[j]! * c * c;
        expect(Math.abs(low.values[j]! - expected)).toBeLessThan(1e-12 * expected);
      }
      const ones = new Float64Array(ref.rank).fill(1);
      expect(maxAbsDifference(reconstruct(low.vectors, ones), reconstruct(ref.vectors, ones))).toBeLessThan(1e-12);
    }
  });

  it('refuses a factor whose σ² over- or underflows float64, naming the rescale', () => {
    const base = gaussianMatrix(30, 4, 41);
    for (const c of [1e160, 1e-200]) {
      const f = new Matrix64(30, 4, base.data.map((v) => v * c));
      expect(() => lowRankSpectrum(f)).toThrow(LinalgInputError);
      expect(() => lowRankSpectrum(f)).toThrow(/outside the float64 range; rescale F/);
    }
  });
});
