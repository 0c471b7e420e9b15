import { gemm, toMatrix64, type Matrix64, type MatrixLike } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import type { SpectralFit } from './spectral-fit.js';

/**
 * Training what was tested (math.md §2.2, §7.3): the BLUP with fixed effects at time t is
 *
 *   f̂_t = f0 + Xβ̂(t) + (I − e^{−tΘ})(u − Xβ̂(t)),
 *
 * which is Xβ̂(t) plus the design-free path of the targets less Xβ̂(t). So a network (no fixed effects of its own)
 * trained to time t on y − Xβ̂(t) and added to x*ᵀβ̂(t) is, in the kernel regime, exactly the BLUP. This returns the
 * fit of those targets: c − Zβ (with Z = UᵀX), y − Xβ, no design; same eigendecomposition, same cross-kernel.
 */
export function fitLessFixedPart(fit: SpectralFit, design: MatrixLike, beta: MatrixLike): SpectralFit {
  const z = fit.designProjections;
  if (!z) throw new MixedModelInputError('fitLessFixedPart needs a fit with a design X');
  const x = toMatrix64(design);
  const b = toMatrix64(beta);
  if (x.rows !== fit.n || x.cols !== z.cols) {
    throw new MixedModelInputError(`design is ${x.rows}×${x.cols} but the fit's X is ${fit.n}×${z.cols}; give the design the fit was built with`);
  }
  if (b.rows !== z.cols || b.cols !== fit.outputs) {
    throw new MixedModelInputError(`β is ${b.rows}×${b.cols}; it must be p×k = ${z.cols}×${fit.outputs}`);
  }
  return {
    ...fit,
    residualProjections: less(fit.residualProjections, gemm(z, b)),
    y: fit.y ? less(fit.y, gemm(x, b)) : undefined,
    designProjections: undefined,
  };
}

/** A − B, a new matrix. */
function less(a: Matrix64, b: Matrix64): Matrix64 {
  const out = a.clone();
  for (let q = 0; q < out.data.length; q++) out.data[q]! -= b.data[q]!;
  return out;
}
