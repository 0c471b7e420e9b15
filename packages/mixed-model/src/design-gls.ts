import type { Matrix64 } from '@duality/linalg-core';
import { lowRankDesign, lowRankGls, usesLowRankDesign } from './low-rank-design.js';
import type { SpectralFit } from './spectral-fit.js';
import { weightedProjection, type WeightedProjection } from './weighted-projection.js';

/** The GLS of the residual projections on Z at one time (math.md §2.2): β̂, e = c − Zβ̂, the weighted RSS, log|ZᵀDZ|, leverages. */
export type DesignGls = Omit<WeightedProjection, 'gramFactor'>;

/**
 * The GLS at one time, in the form that pays for this fit: the coordinate form (weighted-projection.ts), or on a
 * low-rank fit with a wide design the r-dimensional one (low-rank-design.ts), which gives the same numbers. Where β
 * is not identified the values are NaN, as the coordinate form's are.
 */
export function designGls(fit: SpectralFit, z: Matrix64, logDecay: Float64Array, withLeverages = true): DesignGls {
  const c = fit.residualProjections;
  if (!usesLowRankDesign(fit, z)) return weightedProjection(z, c, logDecay, withLeverages);
  const gls = lowRankGls(lowRankDesign(fit, z), c, logDecay, withLeverages);
  if (gls) return gls;
  const n = fit.n;
  return {
    beta: new Float64Array(z.cols * fit.outputs).fill(NaN),
    residual: new Float64Array(n * fit.outputs).fill(NaN),
    logWeightedRss: NaN,
    logDetGram: NaN,
    leverages: new Float64Array(n).fill(NaN),
  };
}
