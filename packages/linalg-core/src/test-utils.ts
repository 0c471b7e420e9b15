/** Fixtures for the linalg-core tests: seeded random matrices with chosen spectra, and residuals. */
import { Matrix64 } from './matrix.js';
import { normalGenerator } from './random.js';

export function gaussianMatrix(rows: number, cols: number, seed: number): Matrix64 {
  const next = normalGenerator(seed);
  const m = new Matrix64(rows, cols);
  for (let k = 0; k < m.data.length; k++) m.data[k] = next();
  return m;
}

/** A random orthogonal n×n matrix: Gram–Schmidt (twice, for orthogonality to rounding) on a Gaussian matrix. */
export function randomOrthogonal(n: number, seed: number): Matrix64 {
  const q = gaussianMatrix(n, n, seed).transpose(); // rows are the vectors to orthonormalise
  for (let i = 0; i < n; i++) {
    const qi = q.row(i);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const qj = q.row(j);
        let dot = 0;
        for (let k = 0; k < n; k++) dot += qi[k]! * qj[k]!;
        for (let k = 0; k < n; k++) qi[k]! -= dot * qj[k]!;
      }
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += qi[k]! * qi[k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < n; k++) qi[k]! /= norm;
  }
  return q.transpose();
}

/** Q diag(λ) Qᵀ for a random orthogonal Q, exactly symmetrised. */
export function symmetricWithSpectrum(spectrum: readonly number[], seed: number): Matrix64 {
  const n = spectrum.length;
  const q = randomOrthogonal(n, seed);
  const a = new Matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q.get(i, k) * spectrum[k]! * q.get(j, k);
      a.set(i, j, s);
      a.set(j, i, s);
    }
  }
  return a;
}

/** A random symmetric matrix with Gaussian entries. */
export function randomSymmetric(n: number, seed: number): Matrix64 {
  const g = gaussianMatrix(n, n, seed);
  const a = new Matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = (g.get(i, j) + g.get(j, i)) / 2;
      a.set(i, j, v);
      a.set(j, i, v);
    }
  }
  return a;
}

/** Naive triple-loop A·B, the reference for the products. */
export function naiveProduct(a: Matrix64, b: Matrix64): Matrix64 {
  const c = new Matrix64(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.get(i, k) * b.get(k, j);
      c.set(i, j, s);
    }
  }
  return c;
}

/** Frobenius norm. */
export function frobenius(a: Matrix64): number {
  let s = 0;
  for (const v of a.data) s += v * v;
  return Math.sqrt(s);
}

/** max |a_ij − b_ij|. */
export function maxAbsDifference(a: Matrix64, b: Matrix64): number {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`shapes differ: ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`);
  }
  let worst = 0;
  for (let k = 0; k < a.data.length; k++) worst = Math.max(worst, Math.abs(a.data[k]! - b.data[k]!));
  return worst;
}

/** ‖A U − U Λ‖_F for eigenpairs (columns of U). */
export function eigenResidual(a: Matrix64, values: Float64Array, u: Matrix64): number {
  const au = naiveProduct(a, u);
  for (let i = 0; i < u.rows; i++) {
    for (let j = 0; j < u.cols; j++) au.data[i * u.cols + j]! -= u.get(i, j) * values[j]!;
  }
  return frobenius(au);
}

/** ‖UᵀU − I‖_F. */
export function orthogonalityDefect(u: Matrix64): number {
  const utu = naiveProduct(u.transpose(), u);
  for (let i = 0; i < u.cols; i++) utu.data[i * u.cols + i]! -= 1;
  return frobenius(utu);
}

/** The tolerance for backward-stable eigen results: a modest multiple of n·‖A‖·ε. */
export function eigenTolerance(n: number, norm: number, factor = 10): number {
  return factor * Math.max(n, 1) * Math.max(norm, Number.MIN_VALUE) * Number.EPSILON;
}
