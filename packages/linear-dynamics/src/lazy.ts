import { requireNonNegative, requirePositive, requirePositiveInteger } from './errors.js';

export interface LazyIsotropicOptions {
  /** α = P/D. */
  samplesPerDim: number;
  depth: number;
  learningRate: number;
  /** Variance of β(0) per direction: 1/(γ₀²ν) (kept fixed in the lazy limit ν → ∞). */
  initVariance: number;
  noise?: number;
  /** Variance of β* per direction (1 for the isotropic model). */
  targetVariance?: number;
  steps: number;
}

/**
 * The lazy / NTK limit (ν → ∞ with γ₀²ν fixed, spec §2.4) on isotropic repeated data: plain linear regression
 * β ← β + (L+1)η₀ ζ from β(0) ~ N(0, initVariance·I), averaged over the Marchenko–Pastur law μ of XᵀX/P.
 * Test: (s + v₀)∫(1 − eλ)^{2t}dμ + (σ²/α)∫_{λ>0}(1 − (1 − eλ)^t)²/λ dμ + σ², e = (L+1)η₀.
 * Train: (s + v₀)∫λ(1 − eλ)^{2t}dμ + σ²[(1/α)∫_{λ>0}(1 − eλ)^{2t}dμ + max(0, 1 − 1/α)].
 */
export function lazyIsotropicLoss(options: LazyIsotropicOptions): { testLoss: Float64Array; trainLoss: Float64Array } {
  const { samplesPerDim: alpha, depth, learningRate, initVariance, noise = 0, targetVariance = 1, steps } = options;
  requirePositive(alpha, 'samplesPerDim');
  requirePositiveInteger(depth, 'depth');
  requirePositive(learningRate, 'learningRate');
  requireNonNegative(initVariance, 'initVariance');
  requireNonNegative(noise, 'noise');
  requireNonNegative(targetVariance, 'targetVariance');
  requirePositiveInteger(steps, 'steps');
  const e = (depth + 1) * learningRate;
  const signal = targetVariance + initVariance;
  const noiseVar = noise * noise;
  const { nodes, weights } = marchenkoPasturFirstMomentRule(1 / alpha, 2 * steps + 4);
  const continuousMass = Math.min(1, alpha);
  const atZero = 1 - continuousMass;
  // Per node, with x = 1 − eλ: ∫_{λ>0} x^{2t} dμ = m_c − e∫S_{2t}(λ)·λdμ, S_n = Σ_{j<n} x^j (no 1/λ left),
  // ∫ λ x^{2t} dμ directly, and ∫_{λ>0} (1 − x^t)²/λ dμ = e²∫S_t²·λdμ.
  const decayDeficit = new Float64Array(steps);
  const trainDecay = new Float64Array(steps);
  const noiseFit = new Float64Array(steps);
  for (let i = 0; i < nodes.length; i++) {
    const x = 1 - e * nodes[i]!;
    const w = weights[i]!;
    let power = 1; // x^t
    let partial = 0; // S_t
    let doublePartial = 0; // S_{2t}
    for (let t = 0; t < steps; t++) {
      decayDeficit[t]! += w * doublePartial;
      trainDecay[t]! += w * power * power;
      noiseFit[t]! += w * partial * partial;
      doublePartial += power * power * (1 + x);
      partial += power;
      power *= x;
    }
  }
  const testLoss = new Float64Array(steps);
  const trainLoss = new Float64Array(steps);
  for (let t = 0; t < steps; t++) {
    const decayPositive = continuousMass - e * decayDeficit[t]!;
    testLoss[t] = signal * (decayPositive + atZero) + (noiseVar / alpha) * e * e * noiseFit[t]! + noiseVar;
    trainLoss[t] = signal * trainDecay[t]! + noiseVar * (decayPositive / alpha + Math.max(0, 1 - 1 / alpha));
  }
  return { testLoss, trainLoss };
}

/**
 * Midpoint rule for ∫ p(λ) λ dμ(λ), μ the continuous part of the Marchenko–Pastur law with ratio q = D/P.
 * With λ = 1 + q + 2√q cos θ, λ·dμ = (2/π)·sin²θ dθ exactly, so the rule is exact for polynomials p of
 * degree ≤ `degree` (a trigonometric polynomial of degree < 2n in θ).
 */
export function marchenkoPasturFirstMomentRule(ratio: number, degree: number): { nodes: Float64Array; weights: Float64Array } {
  const n = Math.ceil(degree / 2) + 8;
  const radius = 2 * Math.sqrt(ratio);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const theta = ((i + 0.5) * Math.PI) / n;
    const sin = Math.sin(theta);
    nodes[i] = 1 + ratio + radius * Math.cos(theta);
    // λ · √((λ₊−λ)(λ−λ₋))/(2πqλ) · |dλ/dθ| = r² sin²θ/(2πq) = (2/π) sin²θ
    weights[i] = (2 / Math.PI) * sin * sin * (Math.PI / n);
  }
  return { nodes, weights };
}
