import { describe, expect, it } from 'vitest';
import { DIVIDE_BELOW, tridiagonalEigen } from './divide-conquer.js';
import { diagonalizeTridiagonal } from './tridiagonal-qr.js';

/**
 * Checks an eigendecomposition of the tridiagonal (d, e) against its definition and against the
 * eigenvalues of the independent QR iteration: T z_j = λ_j z_j, ZᵀZ = I.
 */
function expectTridiagonalEigen(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  const { values, vectors } = tridiagonalEigen(d, e);
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i - 1] ?? 0) + Math.abs(e[i] ?? 0));
  const tol = 20 * n * Number.EPSILON * Math.max(norm, Number.MIN_VALUE);

  const reference = d.slice();
  diagonalizeTridiagonal(reference, e.slice(), null);
  const sorted = values.slice().sort();
  reference.sort();
  for (let j = 0; j < n; j++) expect(Math.abs(sorted[j]! - reference[j]!)).toBeLessThanOrEqual(tol);

  let residual = 0;
  let defect = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const tz =
        d[i]! * vectors[i * n + j]! +
        (i > 0 ? e[i - 1]! * vectors[(i - 1) * n + j]! : 0) +
        (i < n - 1 ? e[i]! * vectors[(i + 1) * n + j]! : 0);
      residual = Math.max(residual, Math.abs(tz - values[j]! * vectors[i * n + j]!));
    }
    for (let l = 0; l <= j; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += vectors[i * n + j]! * vectors[i * n + l]!;
      defect = Math.max(defect, Math.abs(s - (l === j ? 1 : 0)));
    }
  }
  expect(residual).toBeLessThanOrEqual(tol);
  expect(defect).toBeLessThanOrEqual(20 * n * Number.EPSILON);
}

const n = 4 * DIVIDE_BELOW + 13; // three levels of merges, odd splits included

describe('tridiagonalEigen (divide and conquer)', () => {
  it('solves a random tridiagonal', () => {
    const d = Float64Array.from({ length: n }, (_, i) => Math.sin(7 * i + 1));
    const e = Float64Array.from({ length: n - 1 }, (_, i) => Math.cos(3 * i) + 0.1);
    expectTridiagonalEigen(d, e);
  });

  it('solves the discrete Laplacian, whose halves share most eigenvalues only approximately', () => {
    expectTridiagonalEigen(new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1));
  });

  it('deflates Wilkinson’s W+ matrix (pairs of eigenvalues equal to many digits)', () => {
    const half = (n - 1) / 2;
    const d = Float64Array.from({ length: n }, (_, i) => Math.abs(half - i));
    expectTridiagonalEigen(d, new Float64Array(n - 1).fill(1));
  });

  it('deflates every z component of a matrix split into decoupled blocks', () => {
    const d = Float64Array.from({ length: n }, (_, i) => (i % 5) - 2);
    const e = Float64Array.from({ length: n - 1 }, (_, i) => (i % 17 === 16 ? 0 : 0.5));
    e[(n >> 1) - 1] = 0; // the first tear is at an exact zero coupling
    expectTridiagonalEigen(d, e);
  });

  it('handles repeated diagonal values with tiny couplings, and the zero matrix', () => {
    const d = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : -1));
    const e = Float64Array.from({ length: n - 1 }, (_, i) => 1e-9 * Math.cos(i));
    expectTridiagonalEigen(d, e);
    const zero = tridiagonalEigen(new Float64Array(n), new Float64Array(n - 1));
    expect(Array.from(zero.values)).toEqual(new Array<number>(n).fill(0));
  });

  it('keeps small eigenvalues of a graded tridiagonal', () => {
    const d = Float64Array.from({ length: n }, (_, i) => 10 ** (-(i % 24)));
    const e = Float64Array.from({ length: n - 1 }, (_, i) => 10 ** (-(i % 24) - 1));
    expectTridiagonalEigen(d, e);
  });
});
