import { describe, expect, it } from 'vitest';
import { Matrix64, eigSym, gemm } from './index.js';
import {
  eigenResidual,
  eigenTolerance,
  frobenius,
  gaussianMatrix,
  maxAbsDifference,
  orthogonalityDefect,
  randomSymmetric,
  symmetricWithSpectrum,
} from './test-utils.js';

function expectDescending(values: Float64Array): void {
  for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
}

/** Eigenpairs hold: A U = U Λ, UᵀU = I, values descending and equal to the 'none' values. */
function expectEigenIdentities(a: Matrix64): void {
  const n = a.rows;
  const eig = eigSym(a);
  const u = eig.vectors!;
  const norm = frobenius(a);
  expectDescending(eig.values);
  expect(eigenResidual(a, eig.values, u)).toBeLessThanOrEqual(eigenTolerance(n, norm));
  expect(orthogonalityDefect(u)).toBeLessThanOrEqual(eigenTolerance(n, 1));
  const valuesOnly = eigSym(a, { vectors: 'none' }).values;
  for (let i = 0; i < n; i++) {
    expect(Math.abs(valuesOnly[i]! - eig.values[i]!)).toBeLessThanOrEqual(eigenTolerance(n, norm));
  }
}

describe('eigSym with all vectors', () => {
  it.each([2, 3, 7, 40, 150])('satisfies A U = U Λ and UᵀU = I for a random %i×%i matrix', (n) => {
    expectEigenIdentities(randomSymmetric(n, 100 + n));
  });

  it('recovers a prescribed spectrum', () => {
    const spectrum = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (1 + i * 0.37));
    const eig = eigSym(symmetricWithSpectrum(spectrum, 5));
    const expected = [...spectrum].sort((x, y) => y - x);
    const tol = eigenTolerance(60, Math.max(...spectrum.map(Math.abs)) * Math.sqrt(60));
    expected.forEach((lambda, i) => expect(Math.abs(eig.values[i]! - lambda)).toBeLessThanOrEqual(tol));
  });

  it.each([
    ['repeated', Array.from({ length: 40 }, (_, i) => (i < 20 ? 3 : -2))],
    ['clustered', Array.from({ length: 40 }, (_, i) => 1 + i * 1e-10)],
    ['rank-deficient', Array.from({ length: 40 }, (_, i) => (i < 5 ? i + 1 : 0))],
    ['graded 1e-12 … 1e12', Array.from({ length: 25 }, (_, i) => 10 ** (-12 + i))],
  ])('handles %s eigenvalues', (_name, spectrum) => {
    expectEigenIdentities(symmetricWithSpectrum(spectrum, 9));
  });

  // Past the divide-and-conquer block size of the ts backend: several levels of merges.
  it.each([
    ['random 257×257', randomSymmetric(257, 31)],
    ['three eigenvalues, each repeated', symmetricWithSpectrum(Array.from({ length: 200 }, (_, i) => (i % 3) - 1), 32)],
    ['a cluster 1e-10 wide', symmetricWithSpectrum(Array.from({ length: 150 }, (_, i) => 1 + i * 1e-10), 33)],
    ['graded 1e-12 … 1e12 eigenvalues', symmetricWithSpectrum(Array.from({ length: 120 }, (_, i) => 10 ** (-12 + (i % 25))), 34)],
    ['rank 3', symmetricWithSpectrum(Array.from({ length: 160 }, (_, i) => (i < 3 ? i + 1 : 0)), 35)],
    ['zero', new Matrix64(100, 100)],
  ])('satisfies the identities for a large matrix: %s', (_name, a) => {
    expectEigenIdentities(a);
  });

  it('handles a matrix with graded entries from 1e-12 to 1e12', () => {
    const n = 25;
    const base = randomSymmetric(n, 3);
    const a = new Matrix64(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a.set(i, j, base.get(i, j) * 10 ** (i + j - 24));
    }
    expectEigenIdentities(a);
  });

  it('handles entries near 1e-166 and subnormal ones beside normal ones', () => {
    // Once scaled, a reflector's tail is subnormal: 1/(x0 − β) would overflow (found by fast-check
    // in mixed-model's score test).
    const a = new Matrix64(8, 8);
    a.set(2, 2, 8.571428571428573e-7);
    a.set(4, 4, 5e-324);
    a.set(7, 7, 5e-324);
    for (const j of [4, 7]) {
      a.set(2, j, -3.175369642121538e-166);
      a.set(j, 2, -3.175369642121538e-166);
    }
    expectEigenIdentities(a);
    expect(eigSym(a, { vectors: 'none' }).values[0]).toBeCloseTo(8.571428571428573e-7, 20);
  });

  it('handles 1×1, 0×0, zero and diagonal matrices', () => {
    const one = eigSym([[-4.5]]);
    expect(Array.from(one.values)).toEqual([-4.5]);
    expect(Math.abs(one.vectors!.get(0, 0))).toBe(1);
    expect(eigSym(new Matrix64(0, 0)).values.length).toBe(0);

    const zero = eigSym(new Matrix64(6, 6));
    expect(Array.from(zero.values)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(orthogonalityDefect(zero.vectors!)).toBeLessThanOrEqual(eigenTolerance(6, 1));

    const diagonal = Matrix64.zeros(5, 5);
    [3, -1, 7, 0, 2].forEach((v, i) => diagonal.set(i, i, v));
    const eig = eigSym(diagonal);
    expect(Array.from(eig.values)).toEqual([7, 3, 2, 0, -1]);
    expect(eigenResidual(diagonal, eig.values, eig.vectors!)).toBeLessThanOrEqual(eigenTolerance(5, 8));
  });

  it('expands with U·V', () => {
    const a = randomSymmetric(30, 4);
    const eig = eigSym(a);
    const v = gaussianMatrix(30, 3, 8);
    const expected = gemm(eig.vectors!, v);
    expect(maxAbsDifference(eig.expand(v), expected)).toBeLessThanOrEqual(1e-12);
  });
});

describe('eigSym with right-hand sides', () => {
  const n = 120;
  const a = randomSymmetric(n, 21);
  const b = gaussianMatrix(n, 2, 22);
  const full = eigSym(a);

  it('names an unknown vectors option instead of reading it as a matrix', () => {
    expect(() => eigSym(a, { vectors: 'some' as 'all' })).toThrow(/vectors must be 'all', 'none' or a matrix of right-hand sides, got 'some'/);
  });

  it('returns UᵀB up to the sign of each eigenvector, and the same eigenvalues', () => {
    const eig = eigSym(a, { vectors: b });
    const longWay = gemm(full.vectors!, b, { transA: true });
    const p = eig.projections!;
    const tol = eigenTolerance(n, frobenius(a)) * frobenius(b);
    for (let j = 0; j < n; j++) {
      expect(Math.abs(eig.values[j]! - full.values[j]!)).toBeLessThanOrEqual(eigenTolerance(n, frobenius(a)));
      // Rows of one eigenvector share a sign: compare row j against ± the long way.
      const sign = Math.sign(p.get(j, 0)) === Math.sign(longWay.get(j, 0)) ? 1 : -1;
      for (let c = 0; c < 2; c++) expect(Math.abs(p.get(j, c) - sign * longWay.get(j, c))).toBeLessThanOrEqual(tol);
    }
  });

  it('reproduces B from its projections: U (UᵀB) = B', () => {
    const eig = eigSym(a, { vectors: b, expandable: true });
    expect(maxAbsDifference(eig.expand(eig.projections!), b)).toBeLessThanOrEqual(1e-11 * frobenius(b));
  });

  it('expand agrees with U·V for the same eigenvector signs', () => {
    const eig = eigSym(a, { vectors: b, expandable: true });
    // The basis itself, U = U·I: an eigenbasis whose UᵀB is exactly the projections returned.
    const basis = eig.expand(Matrix64.identity(n));
    expect(orthogonalityDefect(basis)).toBeLessThanOrEqual(eigenTolerance(n, 1));
    expect(eigenResidual(a, eig.values, basis)).toBeLessThanOrEqual(eigenTolerance(n, frobenius(a)));
    const projections = gemm(basis, b, { transA: true });
    expect(maxAbsDifference(projections, eig.projections!)).toBeLessThanOrEqual(1e-11 * frobenius(b));
  });

  it('refuses expand without expandable, and B with the wrong number of rows', () => {
    const eig = eigSym(a, { vectors: b });
    expect(() => eig.expand(b)).toThrow(/expandable/);
    expect(() => eigSym(a, { vectors: gaussianMatrix(n - 1, 1, 1) })).toThrow(/rows/);
  });
});
