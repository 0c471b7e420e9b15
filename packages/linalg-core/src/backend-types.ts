/** The backend contract, apart from the selection in backend.ts, so that backends import no values back. */

export type BackendName = 'lapack' | 'ts';

/** What the caller asks of a symmetric eigendecomposition. */
export type EigenRequest =
  | 'none'
  | 'all'
  /** Right-hand sides B (n×cols, row-major): only UᵀB is formed. `keepBasis` keeps what `expand` needs. */
  | { rhs: Float64Array; cols: number; keepBasis: boolean };

/** A backend's raw eigendecomposition. All arrays row-major. */
export interface RawEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** For 'all': n×n, column j is the unit eigenvector of values[j]. */
  vectors?: Float64Array;
  /** For rhs: n×cols, UᵀB (row j = u_jᵀ B), same eigenvector signs as `expand`. */
  projections?: Float64Array;
  /** For rhs with keepBasis: U·V for V (n×k) without forming U. */
  expand?: (v: Float64Array, k: number) => Float64Array;
}

/**
 * The kernels a backend provides. Inputs are trusted (validated by the public layer) and never
 * modified; outputs are fresh arrays.
 */
export interface LinalgBackend {
  readonly name: BackendName;
  /** `a`: n×n symmetric. */
  eigSym(a: Float64Array, n: number, request: EigenRequest): RawEigen;
  /** Lower factor L of A = L Lᵀ (n×n, zeros above the diagonal), or the first non-positive pivot. */
  cholesky(a: Float64Array, n: number): { factor: Float64Array } | { pivot: number; value: number };
  /** X with L Lᵀ X = B, for B n×k. */
  choleskySolve(factor: Float64Array, n: number, b: Float64Array, k: number): Float64Array;
  /** B := L⁻¹B in place (forward substitution only), for B n×k. */
  lowerSolveInPlace(factor: Float64Array, n: number, b: Float64Array, k: number): void;
  /** B := B·Lᵀ in place, for L k×k lower triangular and B m×k (BLAS's dtrmm: half a full product's flops). */
  lowerTransposedProductInPlace(factor: Float64Array, k: number, b: Float64Array, m: number): void;
  /**
   * op(A)·op(B), op(X) = Xᵀ when its flag is set; A is aRows×aCols and B is bRows×bCols as stored. With `update`,
   * C := α·op(A)·op(B) + β·C in its m×n array C (returned), else a new array.
   */
  gemm(
    a: Float64Array,
    aRows: number,
    aCols: number,
    transA: boolean,
    b: Float64Array,
    bRows: number,
    bCols: number,
    transB: boolean,
    update?: GemmUpdate,
  ): Float64Array;
  /** A·Aᵀ for A m×k: m×m, both triangles filled. */
  syrk(a: Float64Array, m: number, k: number): Float64Array;
  /**
   * Householder QR A = QR of A rows×cols (rows ≥ cols), LAPACK's sign convention: Q rows×cols with orthonormal
   * columns, R cols×cols upper triangular. Q is written into `into` (rows·cols long; it may be `a` itself) if given.
   */
  thinQr(a: Float64Array, rows: number, cols: number, into?: Float64Array): { q: Float64Array; r: Float64Array };
  /** R of the same QR without forming Q (half the work: callers that need only RᵀR = AᵀA and its triangle). */
  qrTriangle(a: Float64Array, rows: number, cols: number): Float64Array;
  /** The same QR kept as reflectors: R, and Q·V (rows×k) for V (cols×k) without forming Q. */
  householderQr(a: Float64Array, rows: number, cols: number): { r: Float64Array; multiplyQ: (v: Float64Array, k: number) => Float64Array };
}

/** C := α·op(A)·op(B) + β·C into an existing m×n array (β = 0: C's old contents are ignored, NaN included). */
export interface GemmUpdate {
  c: Float64Array;
  alpha: number;
  beta: number;
}
