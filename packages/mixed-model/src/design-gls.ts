import type { Matrix64 } from '@duality/linalg-core';
import { lowRankDesign, lowRankGls, usesLowRankDesign } from './low-rank-design.js';
import type { SpectralFit } from './spectral-fit.js';
import { weightedProjection } from './weighted-projection.js';

/** The GLS of the residual projections on Z at one time (math.md §2.2). */
export interface DesignGls {
  /** log Σ_i d_i Σ_j e_ij². */
  logWeightedRss: number;
  /** log |ZᵀDZ|. */
  logDetGram: number;
  /** Σ_i w_i Σ_j e_ij² for weights w (length n; a function of the eigenvalue, so equal where they are). */
  weightedSquares(weights: Float64Array): number;
  /** β̂ (p×k, row-major). */
  readonly beta: Float64Array;
  /** e = c − Zβ̂ (n×k, row-major). */
  readonly residual: Float64Array;
  /** h_i = d_i z_iᵀ(ZᵀDZ)⁻¹z_i (they sum to p); on a low-rank fit those past r spread evenly (low-rank-design.ts). */
  readonly leverages: Float64Array;
}

/**
 * The GLS at one time, in the form that pays for this fit: the coordinate form (weighted-projection.ts), or on a
 * low-rank fit with a wide design the r-dimensional one (low-rank-design.ts), which gives the same numbers and forms
 * β̂, e and the leverages only when they are read. Where β is not identified the values are NaN, as the coordinate
 * form's are.
 */
export function designGls(fit: SpectralFit, z: Matrix64, logDecay: Float64Array): DesignGls {
  const c = fit.residualProjections;
  if (usesLowRankDesign(fit, z)) return lowRankGls(lowRankDesign(fit, z), c, logDecay) ?? unidentified(fit, z);
  const wp = weightedProjection(z, c, logDecay);
  const k = fit.outputs;
  const weightedSquares = (w: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < w.length; i++) for (let j = 0; j < k; j++) sum += w[i]! * wp.residual[i * k + j]! ** 2;
    return sum;
  };
  return { ...wp, weightedSquares };
}

function unidentified(fit: SpectralFit, z: Matrix64): DesignGls {
  const n = fit.n;
  return {
    logWeightedRss: NaN,
    logDetGram: NaN,
    weightedSquares: () => NaN,
    beta: new Float64Array(z.cols * fit.outputs).fill(NaN),
    residual: new Float64Array(n * fit.outputs).fill(NaN),
    leverages: new Float64Array(n).fill(NaN),
  };
}
