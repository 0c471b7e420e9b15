import type { SymmetricEigen } from './eigen.js';
import { LinalgInputError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { gemm } from './products.js';

/** f applied to each eigenvalue (its index given too); must return finite numbers. */
export type SpectralMap = (lambda: number, index: number) => number;

function mappedValues(eig: SymmetricEigen, f: SpectralMap): Float64Array {
  const out = new Float64Array(eig.n);
  for (let i = 0; i < eig.n; i++) {
    const v = f(eig.values[i]!, i);
    if (!Number.isFinite(v)) {
      throw new LinalgInputError(
        `spectral function returned ${v} at eigenvalue ${eig.values[i]} (index ${i}); it must be finite`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Scale row i of a copy of M by d[i]: diag(d)·M. */
function scaleRows(m: Matrix64, d: Float64Array): Matrix64 {
  const out = m.clone();
  for (let i = 0; i < m.rows; i++) {
    const s = d[i]!;
    const row = out.row(i);
    for (let j = 0; j < row.length; j++) row[j]! *= s;
  }
  return out;
}

/**
 * U·diag(f(λ))·(UᵀV) from projections already formed, e.g. UᵀB from eigSym's right-hand-side mode:
 * the matrix function applied to B without ever forming U (needs `expandable`).
 */
export function applySpectralToProjections(eig: SymmetricEigen, f: SpectralMap, projections: MatrixLike): Matrix64 {
  return eig.expand(scaleRows(toMatrix64(projections), mappedValues(eig, f)));
}

/** U·diag(f(λ))·Uᵀ·V: a function of the symmetric matrix applied to vectors (needs vectors 'all'). */
export function applySpectral(eig: SymmetricEigen, f: SpectralMap, v: MatrixLike): Matrix64 {
  if (!eig.vectors) {
    throw new LinalgInputError(
      "applySpectral needs eigenvectors (vectors 'all'); with right-hand sides use applySpectralToProjections",
    );
  }
  const projections = gemm(eig.vectors, v, { transA: true });
  return applySpectralToProjections(eig, f, projections);
}

/** The whole matrix U·diag(f(λ))·Uᵀ. */
export function spectralMatrix(eig: SymmetricEigen, f: SpectralMap): Matrix64 {
  return applySpectral(eig, f, Matrix64.identity(eig.n));
}
