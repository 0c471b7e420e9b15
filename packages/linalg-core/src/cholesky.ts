import { getBackend } from './backend.js';
import { NotPositiveDefiniteError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite, assertRows, assertSymmetricInput } from './validate.js';

/** Lower-triangular L with A = L Lᵀ; throws NotPositiveDefiniteError naming the failing pivot. */
export function cholesky(a: MatrixLike): Matrix64 {
  const A = toMatrix64(a);
  assertSymmetricInput(A, 'cholesky: A');
  const result = getBackend().cholesky(A.data, A.rows);
  if ('pivot' in result) throw new NotPositiveDefiniteError(result.pivot, result.value);
  return new Matrix64(A.rows, A.rows, result.factor);
}

/** X with L Lᵀ X = B, given the factor from `cholesky`. */
export function choleskySolve(factor: Matrix64, b: MatrixLike): Matrix64 {
  const B = toMatrix64(b);
  assertRows(B, factor.rows, 'choleskySolve: B', 'the factor');
  assertFinite(B, 'choleskySolve: B');
  return new Matrix64(B.rows, B.cols, getBackend().choleskySolve(factor.data, factor.rows, B.data, B.cols));
}

/** X with A X = B for symmetric positive definite A, through its Cholesky factor. */
export function solveSpd(a: MatrixLike, b: MatrixLike): Matrix64 {
  return choleskySolve(cholesky(a), b);
}
