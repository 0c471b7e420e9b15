import { getBackend } from './backend.js';
import { LinalgInputError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite, assertNonEmpty } from './validate.js';

/** A = QR: Q (rows×cols) with orthonormal columns, R (cols×cols) upper triangular. */
export interface ThinQr {
  readonly q: Matrix64;
  readonly r: Matrix64;
}

/**
 * Thin Householder QR of a tall matrix (rows ≥ cols), O(rows·cols²): Q is orthonormal to rounding whatever the
 * conditioning of A (unlike Gram–Schmidt or a Cholesky of AᵀA), and RᵀR = AᵀA also when A is rank-deficient
 * (the columns of Q past the rank are then some orthonormal completion). Signs follow LAPACK's dgeqrf. With
 * `overwrite`, Q is written over A (a Matrix64 the caller owns), which saves a matrix the size of A.
 */
export function thinQr(a: MatrixLike, options: { overwrite?: boolean } = {}): ThinQr {
  const A = toMatrix64(a);
  assertNonEmpty(A, 'thinQr: A');
  if (A.rows < A.cols) {
    throw new LinalgInputError(
      `thinQr: A is ${A.rows}×${A.cols}, wider than tall; a thin QR needs rows ≥ cols (factor Aᵀ instead)`,
    );
  }
  assertFinite(A, 'thinQr: A');
  const { q, r } = getBackend().thinQr(A.data, A.rows, A.cols, options.overwrite && A === a ? A.data : undefined);
  return { q: new Matrix64(A.rows, A.cols, q), r: new Matrix64(A.cols, A.cols, r) };
}

/**
 * R of {@link thinQr} alone (the same R, signs included), without forming Q: about half the work, for callers that
 * need only RᵀR = AᵀA (log-determinants, least squares through an augmented column block).
 */
export function qrTriangle(a: MatrixLike): Matrix64 {
  const A = toMatrix64(a);
  assertNonEmpty(A, 'qrTriangle: A');
  if (A.rows < A.cols) throw new LinalgInputError(`qrTriangle: A is ${A.rows}×${A.cols}, wider than tall; a thin QR needs rows ≥ cols (factor Aᵀ instead)`);
  assertFinite(A, 'qrTriangle: A');
  return new Matrix64(A.cols, A.cols, getBackend().qrTriangle(A.data, A.rows, A.cols));
}
