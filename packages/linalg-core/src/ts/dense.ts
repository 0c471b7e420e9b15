/** Cholesky, triangular solves and products on row-major Float64Array, loops along contiguous rows. */
import type { GemmUpdate } from '../backend-types.js';
import { multiplyAdd } from './blas.js';


/**
 * Lower L with A = L Lᵀ, row by row: L_ij = (a_ij − L_i,:j · L_j,:j) / L_jj, each a dot product of
 * two contiguous row prefixes. Stops at the first pivot that is not positive.
 */
export function cholesky(a: Float64Array, n: number): { factor: Float64Array } | { pivot: number; value: number } {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    for (let j = 0; j < i; j++) {
      const oj = j * n;
      let s = a[oi + j]!;
      for (let k = 0; k < j; k++) s -= l[oi + k]! * l[oj + k]!;
      l[oi + j] = s / l[oj + j]!;
    }
    let pivot = a[oi + i]!;
    for (let k = 0; k < i; k++) pivot -= l[oi + k]! * l[oi + k]!;
    if (!(pivot > 0)) return { pivot: i, value: pivot };
    l[oi + i] = Math.sqrt(pivot);
  }
  return { factor: l };
}

/** X with L Lᵀ X = B (B n×k): forward substitution by rows, then back substitution by columns of Lᵀ. */
export function choleskySolve(factor: Float64Array, n: number, b: Float64Array, k: number): Float64Array {
  const x = b.slice();
  lowerSolveInPlace(factor, n, x, k);
  // Lᵀ x = y: once x_i is known, remove column i of Lᵀ (row i of L) from the rows above.
  for (let i = n - 1; i >= 0; i--) {
    const oi = i * k;
    const inv = 1 / factor[i * n + i]!;
    for (let c = 0; c < k; c++) x[oi + c]! *= inv;
    for (let j = 0; j < i; j++) {
      const lij = factor[i * n + j]!;
      if (lij === 0) continue;
      const oj = j * k;
      for (let c = 0; c < k; c++) x[oj + c]! -= lij * x[oi + c]!;
    }
  }
  return x;
}

/**
 * B := B·Lᵀ (L k×k lower triangular, B m×k), row by row: (B Lᵀ)_ij = Σ_{l ≤ j} b_il L_jl reads only entries l ≤ j of
 * the row, so j runs downwards and the row is overwritten in place.
 */
export function lowerTransposedProductInPlace(factor: Float64Array, k: number, b: Float64Array, m: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * k;
    for (let j = k - 1; j >= 0; j--) {
      let sum = 0;
      for (let l = 0; l <= j; l++) sum += b[row + l]! * factor[j * k + l]!;
      b[row + j] = sum;
    }
  }
}

/** B := L⁻¹B by forward substitution (L n×n lower triangular, B n×k). */
export function lowerSolveInPlace(factor: Float64Array, n: number, x: Float64Array, k: number): void {
  for (let i = 0; i < n; i++) {
    const oi = i * k;
    for (let j = 0; j < i; j++) {
      const lij = factor[i * n + j]!;
      if (lij === 0) continue;
      const oj = j * k;
      for (let c = 0; c < k; c++) x[oi + c]! -= lij * x[oj + c]!;
    }
    const inv = 1 / factor[i * n + i]!;
    for (let c = 0; c < k; c++) x[oi + c]! *= inv;
  }
}

/** The row-major rows×cols matrix transposed (cols×rows), into `t` if given; also a change between row- and column-major. */
export function transpose(a: Float64Array, rows: number, cols: number, t: Float64Array = new Float64Array(rows * cols)): Float64Array {
  for (let i = 0; i < rows; i++) {
    const oi = i * cols;
    for (let j = 0; j < cols; j++) t[j * rows + i] = a[oi + j]!;
  }
  return t;
}

/**
 * op(A)·op(B): transposed operands are copied row-major, then the cache-blocked kernel runs. With `update`,
 * C := α·op(A)·op(B) + β·C (BLAS's rule: β = 0 ignores C's old contents).
 */
export function gemm(
  a: Float64Array,
  aRows: number,
  aCols: number,
  transA: boolean,
  b: Float64Array,
  bRows: number,
  bCols: number,
  transB: boolean,
  update?: GemmUpdate,
): Float64Array {
  const opA = transA ? transpose(a, aRows, aCols) : a;
  const opB = transB ? transpose(b, bRows, bCols) : b;
  const m = transA ? aCols : aRows;
  const inner = transA ? aRows : aCols;
  const p = transB ? bRows : bCols;
  const product = new Float64Array(m * p);
  multiplyAdd({ m, n: p, k: inner }, { data: opA, offset: 0, ld: inner }, { data: opB, offset: 0, ld: p }, { data: product, offset: 0, ld: p });
  if (!update) return product;
  const { c, alpha, beta } = update;
  if (alpha === 1 && beta === 0) c.set(product);
  else for (let x = 0; x < m * p; x++) c[x] = alpha * product[x]! + (beta === 0 ? 0 : beta * c[x]!);
  return c;
}

/** A·Aᵀ for A m×k through the blocked kernel; c_ij and c_ji come out bitwise equal (same sums). */
export function syrk(a: Float64Array, m: number, k: number): Float64Array {
  const c = new Float64Array(m * m);
  multiplyAdd({ m, n: m, k }, { data: a, offset: 0, ld: k }, { data: transpose(a, m, k), offset: 0, ld: m }, { data: c, offset: 0, ld: m });
  return c;
}
