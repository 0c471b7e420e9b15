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

/** A = QR kept in Householder form (LAPACK's dgeqrf): R, and products with Q, which is never formed. */
export interface HouseholderQr {
  readonly rows: number;
  readonly cols: number;
  /** R (cols×cols), the same as {@link thinQr}'s, signs included. */
  readonly r: Matrix64;
  /** Q·V for V (cols×k): rows×k, O(rows·cols·k) (dormqr), the same as thinQr's Q times V to rounding. */
  multiplyQ(v: MatrixLike): Matrix64;
}

/**
 * The thin QR of {@link thinQr} with Q kept as its reflectors: factoring costs half as much (no dorgqr), and each
 * product with Q about what a product with a formed Q costs, so a caller that needs Q only in a few products (or only R
 * and an occasional product) saves a rows×cols² step. The reflectors take the memory Q would.
 */
export function householderQr(a: MatrixLike): HouseholderQr {
  const A = toMatrix64(a);
  if (A.rows < A.cols) throw new LinalgInputError(`householderQr: A is ${A.rows}×${A.cols}, wider than tall; a thin QR needs rows ≥ cols (factor Aᵀ instead)`);
  assertFinite(A, 'householderQr: A');
  const { rows, cols } = A;
  const { r, multiplyQ } = getBackend().householderQr(A.data, rows, cols);
  return {
    rows,
    cols,
    r: new Matrix64(cols, cols, r),
    multiplyQ: (v) => {
      const V = toMatrix64(v);
      if (V.rows !== cols) throw new LinalgInputError(`householderQr.multiplyQ: V has ${V.rows} rows; it must have ${cols} (one per column of Q)`);
      assertFinite(V, 'householderQr.multiplyQ: V');
      return new Matrix64(rows, V.cols, multiplyQ(V.data, V.cols));
    },
  };
}
