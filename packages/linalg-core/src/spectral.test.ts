import { describe, expect, it } from 'vitest';
import { Matrix64, applySpectral, applySpectralToProjections, eigSym, gemm, spectralMatrix } from './index.js';
import { frobenius, gaussianMatrix, maxAbsDifference, randomSymmetric, symmetricWithSpectrum } from './test-utils.js';

/** exp(A) by its Taylor series on A/2^s, squared s times (reference for a small symmetric A). */
function expBySeries(a: Matrix64): Matrix64 {
  const squarings = 6;
  const scaled = new Matrix64(a.rows, a.cols, a.data.map((v) => v / 2 ** squarings));
  let term = Matrix64.identity(a.rows);
  let sum = Matrix64.identity(a.rows);
  for (let k = 1; k < 30; k++) {
    term = gemm(term, scaled);
    term = new Matrix64(a.rows, a.cols, term.data.map((v) => v / k));
    sum = new Matrix64(a.rows, a.cols, sum.data.map((v, i) => v + term.data[i]!));
  }
  for (let s = 0; s < squarings; s++) sum = gemm(sum, sum);
  return sum;
}

describe('spectral helpers', () => {
  const a = randomSymmetric(20, 41);

  it('spectralMatrix(exp) matches the exponential series', () => {
    const expected = expBySeries(a);
    const got = spectralMatrix(eigSym(a), Math.exp);
    expect(maxAbsDifference(got, expected)).toBeLessThanOrEqual(1e-11 * frobenius(expected));
  });

  it('spectralMatrix(λ ↦ 1/λ) inverts an SPD matrix', () => {
    const spd = symmetricWithSpectrum(Array.from({ length: 15 }, (_, i) => 1 + i), 42);
    const inverse = spectralMatrix(eigSym(spd), (l) => 1 / l);
    expect(maxAbsDifference(gemm(spd, inverse), Matrix64.identity(15))).toBeLessThanOrEqual(1e-12);
  });

  it('applying to projections equals applying to the vectors', () => {
    const b = gaussianMatrix(20, 2, 43);
    const viaVectors = applySpectral(eigSym(a), Math.exp, b);
    const eig = eigSym(a, { vectors: b, expandable: true });
    const viaProjections = applySpectralToProjections(eig, Math.exp, eig.projections!);
    expect(maxAbsDifference(viaProjections, viaVectors)).toBeLessThanOrEqual(1e-11 * frobenius(viaVectors));
  });

  it('refuses non-finite function values and missing vectors', () => {
    expect(() => spectralMatrix(eigSym(a), () => NaN)).toThrow(/finite/);
    expect(() => applySpectral(eigSym(a, { vectors: 'none' }), Math.exp, a)).toThrow(/eigenvectors/);
  });
});
