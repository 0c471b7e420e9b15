import { getBackend } from './backend.js';
import { LinalgInputError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite, assertRows, assertSymmetricInput } from './validate.js';

export interface EigSymOptions {
  /**
   * 'all' (default): every eigenvector. 'none': eigenvalues only. A matrix B (n×r): only the
   * projections UᵀB, at little more than the cost of the eigenvalues.
   */
  vectors?: 'all' | 'none' | MatrixLike;
  /** With right-hand sides: keep what `expand` (U·V) needs. Costs memory of order n². */
  expandable?: boolean;
  /** Relative asymmetry accepted, as a fraction of max|a_ij| (default 1e-10). */
  symmetryTolerance?: number;
}

/** A = U Λ Uᵀ with the eigenvalues descending. */
export interface SymmetricEigen {
  readonly n: number;
  /** λ_1 ≥ … ≥ λ_n. */
  readonly values: Float64Array;
  /** U (n×n), column j for values[j]: with vectors 'all'. */
  readonly vectors?: Matrix64;
  /** UᵀB (n×r): with right-hand sides. */
  readonly projections?: Matrix64;
  /** U·V for V (n×k). Available with vectors 'all', or with right-hand sides and `expandable`. */
  expand(v: MatrixLike): Matrix64;
}

/** Symmetric eigendecomposition. Validates A (square, finite, symmetric) and B (finite, n rows). */
export function eigSym(a: MatrixLike, options: EigSymOptions = {}): SymmetricEigen {
  const A = toMatrix64(a);
  assertSymmetricInput(A, 'eigSym: A', options.symmetryTolerance);
  const n = A.rows;
  const vectors = options.vectors ?? 'all';
  const backend = getBackend();

  if (vectors === 'all' || vectors === 'none') {
    const raw = backend.eigSym(A.data, n, vectors);
    const U = raw.vectors ? new Matrix64(n, n, raw.vectors) : undefined;
    return {
      n,
      values: raw.values,
      vectors: U,
      expand: (v) => {
        if (!U) throw new LinalgInputError("expand needs eigenvectors: call eigSym with vectors 'all' or expandable");
        const V = checkedRhs(v, n, 'expand: V');
        return new Matrix64(n, V.cols, backend.gemm(U.data, n, n, false, V.data, V.rows, V.cols, false));
      },
    };
  }

  if (typeof vectors === 'string') throw new LinalgInputError(`eigSym: vectors must be 'all', 'none' or a matrix of right-hand sides, got '${vectors}'`);
  const B = checkedRhs(vectors, n, 'eigSym: vectors (right-hand sides B)');
  const raw = backend.eigSym(A.data, n, { rhs: B.data, cols: B.cols, keepBasis: options.expandable === true });
  return {
    n,
    values: raw.values,
    projections: new Matrix64(n, B.cols, raw.projections!),
    expand: (v) => {
      if (!raw.expand) {
        throw new LinalgInputError('expand needs the basis: call eigSym with { expandable: true }');
      }
      const V = checkedRhs(v, n, 'expand: V');
      return new Matrix64(n, V.cols, raw.expand(V.data, V.cols));
    },
  };
}

function checkedRhs(b: MatrixLike, n: number, what: string): Matrix64 {
  const B = toMatrix64(b);
  assertRows(B, n, what, 'the matrix');
  assertFinite(B, what);
  return B;
}
