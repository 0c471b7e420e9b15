import { MixedModelInputError, MixedModelNumericalError } from './errors.js';
import { logNormalDensity, millsRatio, normalUpperTail } from './normal-tail.js';
import { cumulants, type Mixture, type MixtureTailProbability } from './mixture.js';
import { increasingRoot } from './roots.js';
import { invertTilted } from './tilted-inversion.js';

export type { MixtureTailProbability, TailMethod } from './mixture.js';

/** Default largest half-width of a cluster of weights relative to its smallest |weight| (see GroupedLogSum). */
const CLUSTER_SPREAD = 0.1;

export interface MixtureTailOptions {
  /** q in P(Σ w_j χ²_{ν_j} ≥ q); default 0. */
  threshold?: number;
  /** ν_j per weight, or one value for all; default 1. */
  degreesOfFreedom?: ArrayLike<number> | number;
  /** 'auto' (default): inversion, falling back to the saddlepoint only if inversion cannot certify its error. */
  method?: 'auto' | 'inversion' | 'saddlepoint';
  /** Relative error the inversion must certify (default 1e-7; the promise is 1e-6). */
  relativeTolerance?: number;
  /**
   * Inversion: weights within this relative half-width of each other are summed as one cluster by a Taylor series
   * whose truncation error is bounded and included in the error estimate (default 0.1; 0: every distinct weight
   * term by term, O(r) per node).
   */
  clusterSpread?: number;
}

function normalise(weights: ArrayLike<number>, options: MixtureTailOptions): Mixture {
  const n = weights.length;
  const dofOption = options.degreesOfFreedom ?? 1;
  const threshold = options.threshold ?? 0;
  if (!Number.isFinite(threshold)) {
    throw new MixedModelInputError(`chi-square mixture: threshold must be finite, got ${threshold}`);
  }
  if (typeof dofOption !== 'number' && dofOption.length !== n) {
    throw new MixedModelInputError(
      `chi-square mixture: ${n} weights but ${dofOption.length} degrees of freedom; give one per weight`,
    );
  }
  let scale = 0;
  let nonzero = 0;
  for (let j = 0; j < n; j++) {
    const w = weights[j]!;
    const nu = typeof dofOption === 'number' ? dofOption : dofOption[j]!;
    if (!Number.isFinite(w)) throw new MixedModelInputError(`chi-square mixture: weight ${j} is ${w}; weights must be finite`);
    if (!(nu > 0) || !Number.isFinite(nu)) {
      throw new MixedModelInputError(`chi-square mixture: degrees of freedom ${j} is ${nu}; it must be positive`);
    }
    if (w !== 0) nonzero++;
    scale = Math.max(scale, Math.abs(w));
  }
  // Ascending nonzero weights with their dof (a typed-array sort when all dof are equal: 10⁴ weights are common).
  const sorted = new Float64Array(nonzero);
  const sortedDof = new Float64Array(nonzero);
  if (typeof dofOption === 'number') {
    for (let j = 0, q = 0; j < n; j++) if (weights[j]! !== 0) sorted[q++] = weights[j]!;
    sorted.sort();
    sortedDof.fill(dofOption);
  } else {
    const order = Array.from({ length: n }, (_, j) => j).filter((j) => weights[j]! !== 0);
    order.sort((a, b) => weights[a]! - weights[b]!);
    order.forEach((j, q) => {
      sorted[q] = weights[j]!;
      sortedDof[q] = dofOption[j]!;
    });
  }
  // Equal weights merge, adding their dof.
  let count = 0;
  for (let q = 0; q < nonzero; q++) {
    if (count > 0 && sorted[count - 1] === sorted[q]) {
      sortedDof[count - 1]! += sortedDof[q]!;
    } else {
      sorted[count] = sorted[q]!;
      sortedDof[count++] = sortedDof[q]!;
    }
  }
  const out = sorted.slice(0, count).map((w) => w / scale);
  const dof = sortedDof.slice(0, count);
  return {
    weights: out,
    dof,
    threshold: scale > 0 ? threshold / scale : threshold,
    maxWeight: out.length ? out[out.length - 1]! : 0,
    minWeight: out.length ? out[0]! : 0,
  };
}

/** P(Σ_j w_j χ²_{ν_j} ≥ q) for weights of any sign (see {@link MixtureTailOptions}). */
export function chiSquareMixtureTail(weights: ArrayLike<number>, options: MixtureTailOptions = {}): MixtureTailProbability {
  const mix = normalise(weights, options);
  const q = mix.threshold;
  // Q ≥ 0 surely when no weight is negative (and vice versa): the answer is exact.
  if (mix.weights.length === 0) return degenerate(q <= 0);
  if (mix.minWeight > 0 && q <= 0) return degenerate(true);
  if (mix.maxWeight < 0 && q >= 0) return degenerate(false);
  const method = options.method ?? 'auto';
  const tolerance = options.relativeTolerance ?? 1e-7;
  const spread = options.clusterSpread ?? CLUSTER_SPREAD;
  if (!(spread >= 0 && spread < 1)) {
    throw new MixedModelInputError(`chi-square mixture: clusterSpread must lie in [0, 1), got ${spread}`);
  }
  if (method === 'saddlepoint') return saddlepointTail(mix);
  const inverted = invertTilted(mix, tolerance, spread);
  if (inverted.relativeErrorEstimate <= tolerance || method === 'inversion') return inverted;
  const saddle = saddlepointTail(mix);
  return saddle.relativeErrorEstimate < inverted.relativeErrorEstimate ? saddle : inverted;
}

function degenerate(certain: boolean): MixtureTailProbability {
  return { p: certain ? 1 : 0, logP: certain ? 0 : -Infinity, method: 'degenerate', relativeErrorEstimate: 0 };
}

/**
 * Lugannani–Rice: p ≈ Φ̄(ŵ) + φ(ŵ)(1/û − 1/ŵ), ŵ = sign(ŝ)√(−2K(ŝ)), û = ŝ√K''(ŝ) with K'(ŝ) = 0 for
 * K the cumulant generating function of Q − q. In the upper tail, log p = log φ(ŵ) + log(R(ŵ) − 1/ŵ + 1/û) with
 * the Mills ratio R, so p never underflows. The error estimate is the size of the next term of the expansion.
 */
function saddlepointTail(mix: Mixture): MixtureTailProbability {
  const lo = mix.minWeight < 0 ? 1 / (2 * mix.minWeight) : -Infinity;
  const hi = mix.maxWeight > 0 ? 1 / (2 * mix.maxWeight) : Infinity;
  const derivative = (s: number) => {
    const k = cumulants(mix, s);
    return { value: k.k1, slope: k.k2 };
  };
  const s = Number.isFinite(lo)
    ? increasingRoot(derivative, lo, hi, Number.isFinite(hi) ? 0.5 * (lo + hi) : lo + 1, 'saddlepoint')
    : -increasingRoot((x) => { const d = derivative(-x); return { value: -d.value, slope: d.slope }; }, -hi, Infinity, -hi + 1, 'saddlepoint');
  const { k0, k2, k3, k4 } = cumulants(mix, s);
  const kappa3 = k3 / Math.pow(k2, 1.5);
  const kappa4 = k4 / (k2 * k2);
  const wHat = Math.sign(s) * Math.sqrt(Math.max(0, -2 * k0));
  const uHat = s * Math.sqrt(k2);
  if (Math.abs(wHat) < 1e-5 || Math.abs(uHat) < 1e-8) {
    // At the mean the expansion's limit is 1/2 − κ̂3/(6√(2π)).
    const p = 0.5 - kappa3 / (6 * Math.sqrt(2 * Math.PI));
    return { p, logP: Math.log(p), method: 'saddlepoint', relativeErrorEstimate: Math.abs(kappa4) / 24 + kappa3 * kappa3 / 72 };
  }
  const correction =
    (1 / uHat) * (kappa4 / 8 - (5 * kappa3 * kappa3) / 24) - 1 / uHat ** 3 - kappa3 / (2 * uHat * uHat) + 1 / wHat ** 3;
  if (wHat > 0) {
    const bracket = millsRatio(wHat) - 1 / wHat + 1 / uHat;
    if (!(bracket > 0)) {
      throw new MixedModelNumericalError(`saddlepoint approximation broke down (ŵ = ${wHat}, û = ${uHat})`);
    }
    const logP = logNormalDensity(wHat) + Math.log(bracket);
    return { p: Math.exp(logP), logP, method: 'saddlepoint', relativeErrorEstimate: Math.abs(correction / bracket) };
  }
  const density = Math.exp(logNormalDensity(wHat));
  const p = Math.min(1, Math.max(0, normalUpperTail(wHat) + density * (1 / uHat - 1 / wHat)));
  return { p, logP: Math.log(p), method: 'saddlepoint', relativeErrorEstimate: Math.abs((density * correction) / p) };
}
