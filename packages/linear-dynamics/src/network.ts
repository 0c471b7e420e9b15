import { LinearDynamicsInputError, requirePositive, requirePositiveInteger } from './errors.js';

/**
 * A deep linear network in the spec's normalisation (§1.2): width N = widthRatio·D, `depth` hidden layers
 * (or residual blocks), output f = √D/(γ₀N)·w·h, raw learning rate η = learningRate·γ₀²·N on the loss
 * (1/2P)Σ(y − f)². μP holds `richness` (γ₀) fixed across widths; the NTK parameterisation is γ₀ = 1/√ν.
 */
export interface NetworkSpec {
  depth: number;
  /** ν = N/D; Infinity is allowed by the theory solvers. */
  widthRatio: number;
  /** γ₀. */
  richness: number;
  /** η₀. */
  learningRate: number;
  /** Present for a residual network h^{ℓ+1} = h^ℓ + β_r W^ℓ h^ℓ/√N (depth = number of blocks). */
  residual?: { branchScale: number };
}

/** γ₀ of the NTK parameterisation at width ratio ν. */
export function ntkRichness(widthRatio: number): number {
  requirePositive(widthRatio, 'widthRatio');
  return 1 / Math.sqrt(widthRatio);
}

/** The depth-μP branch scale β₀/√L. */
export function depthMuPBranchScale(beta0: number, depth: number): number {
  requirePositiveInteger(depth, 'depth');
  return beta0 / Math.sqrt(depth);
}

export function validateNetwork(net: NetworkSpec, allowInfiniteWidth: boolean): void {
  requirePositiveInteger(net.depth, 'network depth');
  requirePositive(net.widthRatio, 'network widthRatio', allowInfiniteWidth);
  requirePositive(net.richness, 'network richness (γ₀)');
  requirePositive(net.learningRate, 'network learningRate (η₀)');
  if (net.residual !== undefined && !(Number.isFinite(net.residual.branchScale) && net.residual.branchScale >= 0)) {
    throw new LinearDynamicsInputError(
      `residual branchScale must be a finite number >= 0, got ${net.residual.branchScale}`,
    );
  }
}
