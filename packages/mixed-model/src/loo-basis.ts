import { Matrix64 } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import type { SpectralFit } from './spectral-fit.js';

/** What exact leave-one-out needs beyond the fit: U and its elementwise square U∘U (both n×n). */
export interface LooBasis {
  readonly vectors: Matrix64;
  /** (U∘U)_ij = U_ij²: diag e^{−tΘ} = (U∘U) e^{−tλ}. */
  readonly squares: Matrix64;
}

/** Formed on the first LOO call for a fit and kept while the fit lives (8n² bytes each: 0.8 GB at n = 10⁴). */
const basisCache = new WeakMap<SpectralFit, LooBasis>();

/** Columns of U formed per call of `expand` when the fit came from a kernel: bounds the transient memory. */
const EXPAND_BLOCK = 1024;

/** U and U∘U for a fit, cached. A fit from the kernel forms U once from its expandable eigendecomposition. */
export function looBasis(fit: SpectralFit): LooBasis {
  const cached = basisCache.get(fit);
  if (cached) return cached;
  const vectors = fit.eigenvectors ?? formEigenvectors(fit);
  const squares = new Matrix64(vectors.rows, vectors.cols, vectors.data.map((v) => v * v));
  const basis = { vectors, squares };
  basisCache.set(fit, basis);
  return basis;
}

/** U = U·I, expanded a block of columns at a time (O(n³) once: what dsyevd's back-transformation would cost). */
function formEigenvectors(fit: SpectralFit): Matrix64 {
  if (!fit.expand) {
    throw new MixedModelInputError(
      'leave-one-out needs the eigenvectors (the diagonal of e^{−tΘ}): fit from the kernel or give spectrum.vectors, ' +
        'not a projections-only spectrum',
    );
  }
  const n = fit.n;
  const u = new Matrix64(n, n);
  for (let from = 0; from < n; from += EXPAND_BLOCK) {
    const width = Math.min(EXPAND_BLOCK, n - from);
    const unit = new Matrix64(n, width);
    for (let j = 0; j < width; j++) unit.data[(from + j) * width + j] = 1;
    const block = fit.expand(unit);
    for (let i = 0; i < n; i++) u.data.set(block.data.subarray(i * width, (i + 1) * width), i * n + from);
  }
  return u;
}
