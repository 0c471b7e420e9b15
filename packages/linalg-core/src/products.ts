import { getBackend } from './backend.js';
import { LinalgInputError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite } from './validate.js';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  /**
   * C, m×n: the product is written into it (C := α·op(A)·op(B) + β·C) and C returned, instead of a new matrix. A
   * loop of products reuses one block this way: fresh memory costs a page fault per 4 kB the first time it is touched.
   */
  into?: Matrix64;
  /** α (default 1). */
  alpha?: number;
  /** β (default 0: C's old contents are ignored, NaN included); needs `into`. */
  beta?: number;
}

/** α·op(A)·op(B) (+ β·C into a given C). */
export function gemm(a: MatrixLike, b: MatrixLike, options: GemmOptions = {}): Matrix64 {
  const A = toMatrix64(a);
  const B = toMatrix64(b);
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const [m, kA] = transA ? [A.cols, A.rows] : [A.rows, A.cols];
  const [kB, n] = transB ? [B.cols, B.rows] : [B.rows, B.cols];
  if (kA !== kB) {
    throw new LinalgInputError(
      `gemm: inner dimensions differ: op(A) is ${m}×${kA} and op(B) is ${kB}×${n}`,
    );
  }
  assertFinite(A, 'gemm: A');
  assertFinite(B, 'gemm: B');
  const { into, alpha = 1, beta = 0 } = options;
  if (beta !== 0 && !into) throw new LinalgInputError('gemm: β ≠ 0 needs a matrix C to update (`into`)');
  if (into && (into.rows !== m || into.cols !== n)) throw new LinalgInputError(`gemm: into is ${into.rows}×${into.cols} but op(A)·op(B) is ${m}×${n}`);
  if (into && (overlaps(into.data, A.data) || overlaps(into.data, B.data))) {
    throw new LinalgInputError('gemm: into overlaps A or B in memory; give a separate matrix C');
  }
  if (into && beta !== 0) assertFinite(into, 'gemm: C');
  // A plain product goes without an update: the TS backend would otherwise copy its result into C once more.
  const update = into ? { c: into.data, alpha, beta } : alpha === 1 ? undefined : { c: new Float64Array(m * n), alpha, beta: 0 };
  const c = getBackend().gemm(A.data, A.rows, A.cols, transA, B.data, B.rows, B.cols, transB, update);
  return into ?? new Matrix64(m, n, c);
}

/** Whether two arrays share any byte. */
function overlaps(x: Float64Array, y: Float64Array): boolean {
  return x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** A·Aᵀ (symmetric, both triangles filled). */
export function syrk(a: MatrixLike): Matrix64 {
  const A = toMatrix64(a);
  assertFinite(A, 'syrk: A');
  return new Matrix64(A.rows, A.rows, getBackend().syrk(A.data, A.rows, A.cols));
}
