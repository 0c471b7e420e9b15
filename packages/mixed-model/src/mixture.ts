import { clusterBoundaries } from './grouped-log-sum.js';

/** How a tail probability was computed. */
export type TailMethod =
  /** Tilted numerical inversion of the characteristic function (certified relative error). */
  | 'inversion'
  /** Lugannani–Rice saddlepoint approximation (Kuonen 1999). */
  | 'saddlepoint'
  /** Exactly 0 or 1: every weight has the same sign as the event requires or excludes. */
  | 'degenerate';

/** P(Σ_j w_j χ²_{ν_j} ≥ q) with what produced it. */
export interface MixtureTailProbability {
  /** The probability (may underflow to 0 below 1e-308; `logP` does not). */
  p: number;
  /** Natural log of p (−Infinity when p is exactly 0). */
  logP: number;
  method: TailMethod;
  /**
   * Estimated relative error of p. Inversion: the difference between two trapezoidal rules (step h and h/2,
   * the second returned) plus a rigorous truncation bound; since the rule converges geometrically this
   * overstates the error. Saddlepoint: the size of the next (second-order) term of the expansion.
   */
  relativeErrorEstimate: number;
}

/** Distinct nonzero weights, scaled so max |w| = 1, with their degrees of freedom; threshold scaled alike. */
export interface Mixture {
  weights: Float64Array;
  dof: Float64Array;
  threshold: number;
  maxWeight: number;
  minWeight: number;
}

/** Cumulant generating function of Q − q and its first derivatives, at a real point s. */
export function cumulants(mix: Mixture, s: number): { k0: number; k1: number; k2: number; k3: number; k4: number } {
  const { weights, dof, threshold } = mix;
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j]!;
    const nu = dof[j]!;
    const b = (2 * w) / (1 - 2 * s * w);
    k0 -= 0.5 * nu * Math.log1p(-2 * s * w);
    const b2 = b * b;
    k1 += 0.5 * nu * b;
    k2 += 0.5 * nu * b2;
    k3 += nu * b2 * b;
    k4 += 3 * nu * b2 * b2;
  }
  return { k0: k0 - s * threshold, k1: k1 - threshold, k2, k3, k4 };
}

/**
 * The mixture with each cluster of weights replaced by one weight, their dof-weighted mean, carrying their dof:
 * its cumulants differ from the exact ones at second order in the spread. The largest weight stays alone, so the
 * proxy has the same pole 1/(2 max w).
 */
export function clusteredProxy(mix: Mixture, spread: number): Mixture {
  const starts = clusterBoundaries(mix.weights, spread, true);
  const count = starts.length - 1;
  const weights = new Float64Array(count);
  const dof = new Float64Array(count);
  for (let g = 0; g < count; g++) {
    let nu = 0;
    let sum = 0;
    for (let j = starts[g]!; j < starts[g + 1]!; j++) {
      nu += mix.dof[j]!;
      sum += mix.dof[j]! * mix.weights[j]!;
    }
    weights[g] = sum / nu;
    dof[g] = nu;
  }
  return { ...mix, weights, dof };
}
