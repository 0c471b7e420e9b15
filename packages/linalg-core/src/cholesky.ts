import { getBackend } from './backend.js';
import { LinalgInputError, NotPositiveDefiniteError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite, assertNonEmpty, assertRows, assertSquare, assertSymmetricInput } from './validate.js';

/** Lower-triangular L with A = L Lᵀ; throws NotPositiveDefiniteError naming the failing pivot. */
export function cholesky(a: MatrixLike): Matrix64 {
  const A = toMatrix64(a);
  assertNonEmpty(A, 'cholesky: A');
  assertSymmetricInput(A, 'cholesky: A');
  const result = getBackend().cholesky(A.data, A.rows);
  if ('pivot' in result) throw new NotPositiveDefiniteError(result.pivot, result.value);
  return new Matrix64(A.rows, A.rows, result.factor);
}

/**
 * X with L Lᵀ X = B, given the factor from `cholesky`. A zero diagonal entry of L means the matrix was
 * singular (cholesky itself never returns one), so it is refused rather than divided by.
 */
export function choleskySolve(factor: Matrix64, b: MatrixLike): Matrix64 {
  assertCholeskyFactor(factor, 'choleskySolve');
  const B = toMatrix64(b);
  assertRows(B, factor.rows, 'choleskySolve: B', 'the factor');
  assertFinite(B, 'choleskySolve: B');
  const x = new Matrix64(B.rows, B.cols, getBackend().choleskySolve(factor.data, factor.rows, B.data, B.cols));
  // A tiny (not zero) pivot can still overflow the solution: the factor is then numerically singular.
  if (!x.data.every(Number.isFinite)) {
    throw new LinalgInputError(
      'choleskySolve: the solution overflowed: the factor is numerically singular; add a ridge (A + εI) before cholesky',
    );
  }
  return x;
}

/**
 * X with L X = B, the first half of {@link choleskySolve}: ‖L⁻¹b‖² = bᵀA⁻¹b for A = L Lᵀ, so the quadratic forms
 * of many vectors cost one triangular solve (half a matrix product) instead of a full solve. With `overwrite` the
 * solution is written over B (a Matrix64 the caller owns), which saves a copy the size of B.
 */
export function lowerTriangularSolve(factor: Matrix64, b: MatrixLike, options: { overwrite?: boolean } = {}): Matrix64 {
  assertCholeskyFactor(factor, 'lowerTriangularSolve');
  const B = toMatrix64(b);
  assertRows(B, factor.rows, 'lowerTriangularSolve: B', 'the factor');
  assertFinite(B, 'lowerTriangularSolve: B');
  if (options.overwrite && B === b) {
    getBackend().lowerSolveInPlace(factor.data, factor.rows, B.data, B.cols);
    return B;
  }
  const x = B.data.slice();
  getBackend().lowerSolveInPlace(factor.data, factor.rows, x, B.cols);
  return new Matrix64(B.rows, B.cols, x);
}

/**
 * B·Lᵀ for a lower-triangular L (k×k; finite, its entries above the diagonal not used) and B (m×k):
 * ‖row i of B Lᵀ‖² = b_iᵀLᵀL b_i, so the quadratic forms of many rows cost one triangular product, half a full one's
 * flops (BLAS's dtrmm). With `overwrite` the product is written over B (a Matrix64 the caller owns).
 */
export function lowerTransposedProduct(b: MatrixLike, factor: MatrixLike, options: { overwrite?: boolean } = {}): Matrix64 {
  const L = toMatrix64(factor);
  assertNonEmpty(L, 'lowerTransposedProduct: factor');
  assertSquare(L, 'lowerTransposedProduct: factor');
  assertFinite(L, 'lowerTransposedProduct: factor');
  const B = toMatrix64(b);
  if (B.cols !== L.rows) throw new LinalgInputError(`lowerTransposedProduct: B has ${B.cols} columns but the factor is ${L.rows}×${L.rows}`);
  assertFinite(B, 'lowerTransposedProduct: B');
  const out = options.overwrite && B === b ? B : B.clone();
  getBackend().lowerTransposedProductInPlace(L.data, L.rows, out.data, out.rows);
  return out;
}

function assertCholeskyFactor(factor: Matrix64, what: string): void {
  if (!(factor instanceof Matrix64)) {
    throw new LinalgInputError(`${what}: factor must be the Matrix64 returned by cholesky`);
  }
  assertNonEmpty(factor, `${what}: factor`);
  assertSquare(factor, `${what}: factor`);
  assertFinite(factor, `${what}: factor`);
  for (let i = 0; i < factor.rows; i++) {
    if (factor.get(i, i) === 0) {
      throw new LinalgInputError(
        `${what}: factor has a zero diagonal entry at (${i}, ${i}), so L Lᵀ is singular; ` +
          `pass the factor from cholesky(A), adding a ridge (A + εI) if A is only semidefinite`,
      );
    }
  }
}

/** X with A X = B for symmetric positive definite A, through its Cholesky factor. */
export function solveSpd(a: MatrixLike, b: MatrixLike): Matrix64 {
  return choleskySolve(cholesky(a), b);
}
