import { getBackend } from './backend.js';
import { LinalgInputError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite } from './validate.js';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
}

/** op(A)·op(B). */
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
  const c = getBackend().gemm(A.data, A.rows, A.cols, transA, B.data, B.rows, B.cols, transB);
  return new Matrix64(m, n, c);
}

/** A·Aᵀ (symmetric, both triangles filled). */
export function syrk(a: MatrixLike): Matrix64 {
  const A = toMatrix64(a);
  assertFinite(A, 'syrk: A');
  return new Matrix64(A.rows, A.rows, getBackend().syrk(A.data, A.rows, A.cols));
}
