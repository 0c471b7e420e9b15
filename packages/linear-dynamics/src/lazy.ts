import { cutAtDivergence } from './divergence.js';
import { MAX_DATA_SCALE, requireAtMost, requireNonNegative, requirePositive, requirePositiveInteger } from './errors.js';

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
export function lazyIsotropicLoss(options: LazyIsotropicOptions): {
  testLoss: Float64Array;
  trainLoss: Float64Array;
  /** As DmftResult.diverged: the first step past 1e12·𝓛(0) or non-finite; the losses stop before it. */
  diverged?: number;
} {
  const { samplesPerDim: alpha, depth, learningRate, initVariance, noise = 0, targetVariance = 1, steps } = options;
  requirePositive(alpha, 'samplesPerDim');
  requirePositiveInteger(depth, 'depth');
  requirePositive(learningRate, 'learningRate');
  requireNonNegative(initVariance, 'initVariance');
  requireNonNegative(noise, 'noise');
  requireNonNegative(targetVariance, 'targetVariance');
  for (const [value, what] of [[initVariance, 'initVariance'], [noise, 'noise'], [targetVariance, 'targetVariance']] as const) {
    requireAtMost(value, MAX_DATA_SCALE, what, 'rescale the targets so the signal is about 1');
  }
  requirePositiveInteger(steps, 'steps');
  const e = (depth + 1) * learningRate;
  const signal = targetVariance + initVariance;
  const noiseVar = noise * noise;
  const { nodes, weights } = marchenkoPasturFirstMomentRule(1 / alpha, 2 * steps + 4);
  const continuousMass = Math.min(1, alpha);
  const atZero = 1 - continuousMass;
  // Per node, with x = 1 − eλ: ∫_{λ>0} x^{2t} dμ = m_c − e∫S_{2t}(λ)·λdμ, S_n = Σ_{j<n} x^j, which the rule
  // integrates exactly; as eλS_{2t} = 1 − x^{2t} node by node, that is Σw·x^{2t}/λ, a sum of positive
  // terms, plus the rule's error m_c − Σw/λ in closed form (the difference lost 7 digits at t = 399, α = 2).
  // ∫ λ x^{2t} dμ directly, and ∫_{λ>0} (1 − x^t)²/λ dμ = e²∫S_t²·λdμ.
  const ruleBias = inverseRuleError(1 / alpha, nodes.length);
  const decayPositive = new Float64Array(steps);
  const trainDecay = new Float64Array(steps);
  const noiseFit = new Float64Array(steps);
  for (let i = 0; i < nodes.length; i++) {
    const x = 1 - e * nodes[i]!;
    const w = weights[i]!;
    const wOverLambda = w / nodes[i]!;
    let power = 1; // x^t
    let partial = 0; // S_t
    for (let t = 0; t < steps; t++) {
      decayPositive[t]! += wOverLambda * power * power;
      trainDecay[t]! += w * power * power;
      noiseFit[t]! += w * partial * partial;
      partial += power;
      power *= x;
    }
  }
  const testLoss = new Float64Array(steps);
  const trainLoss = new Float64Array(steps);
  for (let t = 0; t < steps; t++) {
    const positive = ruleBias + decayPositive[t]!;
    testLoss[t] = signal * (positive + atZero) + (noiseVar / alpha) * e * e * noiseFit[t]! + noiseVar;
    trainLoss[t] = signal * trainDecay[t]! + noiseVar * (positive / alpha + Math.max(0, 1 - 1 / alpha));
  }
  return cutAtDivergence({ testLoss, trainLoss });
}

/**
 * m_c − Σᵢ wᵢ/λᵢ for the n-point rule below: the midpoint rule's aliasing error for sin²θ/λ, whose
 * Fourier coefficients are geometric in ρ = min(q, 1/q), is −(|1 − q|/q)·ρⁿ/(1 + ρⁿ).
 */
function inverseRuleError(ratio: number, n: number): number {
  const rho = Math.min(ratio, 1 / ratio) ** n;
  return (-Math.abs(1 - ratio) / ratio) * (rho / (1 + rho));
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
    // λ = (1 − √q)² + 4√q cos²(θ/2) = 1 + q + 2√q cos θ, without cancellation near λ = 0 (q = 1).
    nodes[i] = (1 - Math.sqrt(ratio)) ** 2 + 2 * radius * Math.cos(theta / 2) ** 2;
    // λ · √((λ₊−λ)(λ−λ₋))/(2πqλ) · |dλ/dθ| = r² sin²θ/(2πq) = (2/π) sin²θ
    weights[i] = (2 / Math.PI) * sin * sin * (Math.PI / n);
  }
  return { nodes, weights };
}
