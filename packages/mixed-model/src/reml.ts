import { MixedModelInputError, MixedModelNumericalError } from './errors.js';
import { increasingRoot } from './roots.js';
import type { SpectralFit } from './spectral-fit.js';
import { minimiseOnTimeGrid, pointwise, timeScales, type GridMinimum, type TimeScales } from './time-grid.js';
import { timeEquivalent } from './training-time.js';
import { designGls } from './design-gls.js';
import { searchRefinePoints } from './low-rank-design.js';

/** Where the restricted likelihood peaks. */
export type RemlOutcome = 'zero' | 'interior' | 'infinite';

export interface RemlOptions {
  /** Use the fit's design X (default: whenever the fit has one). The published convention passes false. */
  useDesign?: boolean;
  /** Times at which to report the profile (default: 64 log-spaced points spanning the spectrum's time scales). */
  profileTimes?: ArrayLike<number>;
  /**
   * With X, search whole steps of gradient descent at this learning rate (the grid the other rules share): t̂ = η·k̂,
   * and `grid` is −ℓ_R on it. Without X the concave search stays continuous.
   */
  learningRate?: number;
}

export interface RemlStoppingTime {
  /** t̂ (0, finite, or Infinity). */
  time: number;
  outcome: RemlOutcome;
  /** σ̂²(t̂) (at t̂ = ∞: its limit along the profile, the last evaluated value). */
  noiseVariance: number;
  /** edf(t̂) = tr(I − e^{−t̂Θ}) (with X: math.md §2.2). */
  edf: number;
  /** The profile (restricted) log-likelihood at t̂, constants included. */
  logLikelihood: number;
  /** The profile on a grid of times (computed on first access). */
  profile: { times: Float64Array; logLikelihood: Float64Array };
  /** Whether X was used (restricted likelihood) or not (the exact duality of §2.1). */
  usedDesign: boolean;
  /** With X: −ℓ_R where the grid search evaluated it (time-grid.ts), and the learning rate of its steps if any. */
  grid?: GridMinimum['grid'] & { learningRate?: number };
}

/** Profile (restricted) log-likelihood and its t-derivative at one t; with edf and σ̂². */
interface ProfilePoint {
  logLikelihood: number;
  slope: number;
  noiseVariance: number;
  edf: number;
}

/**
 * The directions where u has energy (a_i = Σ_j c_ij² > 0): log a_i and λ_i. Without X everything the profile
 * needs is a moment of λ under the tilted weights π_t(i) ∝ a_i e^{−tλ_i}.
 */
interface EnergySpectrum {
  logEnergy: Float64Array;
  eigenvalues: Float64Array;
}

function energySpectrum(fit: SpectralFit): EnergySpectrum {
  const a = spectralWeights(fit);
  let count = 0;
  for (let i = 0; i < fit.n; i++) if (a[i]! > 0) count++;
  const logEnergy = new Float64Array(count);
  const eigenvalues = new Float64Array(count);
  for (let i = 0, q = 0; i < fit.n; i++) {
    if (!(a[i]! > 0)) continue;
    logEnergy[q] = Math.log(a[i]!);
    eigenvalues[q++] = fit.eigenvalues[i]!;
  }
  return { logEnergy, eigenvalues };
}

/** log Σ a e^{−tλ}, and the mean and variance of λ under π_t (one exp per direction, shifted to avoid overflow). */
function tiltedMoments(spectrum: EnergySpectrum, t: number): { logSum: number; mean: number; variance: number } {
  const { logEnergy, eigenvalues } = spectrum;
  const r = logEnergy.length;
  let top = -Infinity;
  for (let i = 0; i < r; i++) top = Math.max(top, logEnergy[i]! - t * eigenvalues[i]!);
  let sum = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < r; i++) {
    const lambda = eigenvalues[i]!;
    const w = Math.exp(logEnergy[i]! - t * lambda - top);
    sum += w;
    first += w * lambda;
    second += w * lambda * lambda;
  }
  const mean = first / sum;
  return { logSum: top + Math.log(sum), mean, variance: Math.max(0, second / sum - mean * mean) };
}

/** The profile evaluator for a fit (with or without X), constants included. */
export function profileEvaluator(fit: SpectralFit, useDesign: boolean): (t: number) => ProfilePoint {
  const { n, outputs: k, eigenvalues: lambda } = fit;
  let traceTheta = 0;
  for (const v of lambda) traceTheta += v;
  const z = useDesign ? fit.designProjections : undefined;
  if (!z) {
    const spectrum = energySpectrum(fit);
    const N = n * k;
    return (t) => {
      const { logSum, mean } = tiltedMoments(spectrum, t);
      let edf = 0;
      for (let i = 0; i < n; i++) edf -= Math.expm1(-t * lambda[i]!);
      return {
        logLikelihood: -(N / 2) * (Math.log(2 * Math.PI) + logSum - Math.log(N) + 1) - (k * t * traceTheta) / 2,
        slope: (N / 2) * (mean - traceTheta / n),
        noiseVariance: Math.exp(logSum) / N,
        edf,
      };
    };
  }
  const p = z.cols;
  const m = n - p;
  const logDetZtZ = designGls(fit, z, new Float64Array(n)).logDetGram;
  const constant = -((m * k) / 2) * (Math.log((2 * Math.PI) / (m * k)) + 1) + (k / 2) * logDetZtZ;
  return (t) => {
    const logDecay = lambda.map((l) => -t * l);
    const wp = designGls(fit, z, logDecay);
    // edf and the slope read the leverages, which a low-rank fit forms only when asked (low-rank-design.ts).
    const edf = () => {
      let sum = p;
      for (let i = 0; i < n; i++) sum += -Math.expm1(logDecay[i]!) * (1 - wp.leverages[i]!);
      return sum;
    };
    if (!Number.isFinite(wp.logWeightedRss) || !Number.isFinite(wp.logDetGram)) {
      // Too few rows of √D Z survive the underflow of e^{−tλ} to identify β: no value at this t.
      return { logLikelihood: NaN, slope: NaN, noiseVariance: NaN, get edf() { return edf(); } };
    }
    return {
      logLikelihood: constant - ((m * k) / 2) * wp.logWeightedRss - (k * t * traceTheta) / 2 - (k / 2) * wp.logDetGram,
      get slope() {
        let top = -Infinity;
        for (const v of logDecay) top = Math.max(top, v);
        const decay = logDecay.map((v) => Math.exp(v - top));
        const weighted = wp.weightedSquares(decay);
        const weightedLambda = wp.weightedSquares(decay.map((d, i) => d * lambda[i]!));
        let leverageLambda = 0;
        for (let i = 0; i < n; i++) leverageLambda += lambda[i]! * wp.leverages[i]!;
        return (k / 2) * ((m * weightedLambda) / weighted - traceTheta + leverageLambda);
      },
      noiseVariance: Math.exp(wp.logWeightedRss) / (m * k),
      get edf() {
        return edf();
      },
    };
  };
}

/** a_i = Σ_j c_ij²: the spectral energy of u on each eigendirection, summed over outputs. */
export function spectralWeights(fit: SpectralFit): Float64Array {
  const { n, outputs: k } = fit;
  const c = fit.residualProjections.data;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) a[i]! += c[i * k + j]! ** 2;
  return a;
}

function logSpaced(from: number, to: number, count: number): Float64Array {
  const a = Math.log(from);
  const b = Math.log(to);
  return Float64Array.from({ length: count }, (_, i) => Math.exp(a + ((b - a) * i) / (count - 1)));
}

/** Profile times as given, each finite and ≥ 0 (a NaN would be a NaN point on the curve). */
function checkedTimes(times: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(times);
  const bad = out.find((t) => !(t >= 0 && Number.isFinite(t)));
  if (bad !== undefined) throw new MixedModelInputError(`profileTimes must be finite and ≥ 0, got ${bad}`);
  return out;
}

/**
 * REML stopping time t̂ (math.md §2). Without X the profile is concave: t̂ = 0 iff g(0) ≤ λ̄, t̂ = ∞ iff u has no
 * weight below λ̄, otherwise safeguarded Newton on s = log t. With X (not always concave): −ℓ_R minimised by the
 * grid search every rule shares (`minimiseOnTimeGrid`, math.md §4.1); t̂ = ∞ means the likelihood still increases
 * at the end of that grid.
 */
export function remlStoppingTime(fit: SpectralFit, options: RemlOptions = {}): RemlStoppingTime {
  const { learningRate } = options;
  if (learningRate !== undefined && !(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new MixedModelInputError(`learning rate η = ${learningRate}; it must be positive and finite (or leave it out for continuous t)`);
  }
  const usedDesign = (options.useDesign ?? true) && fit.designProjections !== undefined;
  const evaluate = profileEvaluator(fit, usedDesign);
  const scales = timeScales(fit);
  const searched = usedDesign ? gridSearch(fit, evaluate, options.learningRate) : concaveSearch(fit, evaluate, scales);
  const at = evaluate(Number.isFinite(searched.time) ? searched.time : searched.lastTime);
  const found = noiseFreeAsInfinite(searched, at.noiseVariance, evaluate);
  const top = Number.isFinite(found.time) ? found.time : found.lastTime;
  const times =
    options.profileTimes !== undefined
      ? checkedTimes(options.profileTimes)
      : logSpaced(1e-2 * scales.shortest, Math.max(1e2 * scales.longest, 10 * (top || 0)), 64);
  // The profile curve costs as much as the search itself: computed on first access only.
  let profile: RemlStoppingTime['profile'] | undefined;
  return {
    time: found.time,
    outcome: found.outcome,
    noiseVariance: at.noiseVariance,
    edf: at.edf,
    logLikelihood: at.logLikelihood,
    get profile() {
      profile ??= { times, logLikelihood: times.map((t) => evaluate(t).logLikelihood) };
      return profile;
    },
    usedDesign,
    ...(searched.grid ? { grid: { ...searched.grid, ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }) } } : {}),
  };
}

interface Found {
  time: number;
  outcome: RemlOutcome;
  /** Where the search stopped (for t̂ = ∞: the largest time evaluated). */
  lastTime: number;
  grid?: GridMinimum['grid'];
}

function concaveSearch(fit: SpectralFit, evaluate: (t: number) => ProfilePoint, scales: TimeScales): Found {
  const lambda = fit.eigenvalues;
  const a = spectralWeights(fit);
  let mean = 0;
  for (const v of lambda) mean += v;
  mean /= fit.n;
  let total = 0;
  let below = 0;
  for (let i = 0; i < fit.n; i++) {
    total += a[i]!;
    if (lambda[i]! < mean) below += a[i]!;
  }
  if (evaluate(0).slope <= 0) return { time: 0, outcome: 'zero', lastTime: 0 };
  // Energy below λ̄ at the rounding level of the projections counts as none: the signal is noise-free.
  if (below <= 16 * (fit.n * Number.EPSILON) ** 2 * total) {
    return { time: Infinity, outcome: 'infinite', lastTime: 1e4 * scales.longest };
  }
  // ℓ_p'(t) = (N/2)(g(t) − λ̄) with g(t) = E_π λ decreasing (dg/dt = −Var_π λ): solve λ̄ − g = 0 in s = log t.
  const spectrum = energySpectrum(fit);
  const excess = (logT: number) => {
    const t = Math.exp(logT);
    const moments = tiltedMoments(spectrum, t);
    return { value: mean - moments.mean, slope: t * moments.variance };
  };
  let lo = Math.log(1 / mean);
  let hi = lo;
  for (let step = 1; excess(lo).value >= 0; step *= 2) {
    lo -= step;
    if (step > 1e4) throw new MixedModelNumericalError('REML: no lower bracket for the profile score (please report)');
  }
  for (let step = 1; excess(hi).value <= 0; step *= 2) {
    hi += step;
    if (step > 1e4) throw new MixedModelNumericalError('REML: no upper bracket for the profile score (please report)');
  }
  const s = increasingRoot(excess, lo, hi, 0.5 * (lo + hi), 'REML (no design): root of the profile score');
  return { time: Math.exp(s), outcome: 'interior', lastTime: Math.exp(s) };
}

/**
 * A finite maximum at which σ̂² has fallen to rounding level next to σ̂²(0) is not a maximum: the residual outside X
 * is fitted to working precision there, the likelihood grows without bound, and the honest outcome is t̂ = ∞
 * (noise-free). Seen with X, where the grid can stop on the last representable point.
 */
function noiseFreeAsInfinite(found: Found, noiseVarianceAtStop: number, evaluate: (t: number) => ProfilePoint): Found {
  if (found.outcome !== 'interior') return found;
  if (noiseVarianceAtStop > 1e-20 * evaluate(0).noiseVariance) return found;
  return { time: Infinity, outcome: 'infinite', lastTime: found.time };
}

/**
 * With X (not always concave): the shared time grid (time-grid.ts) on −ℓ_R(t), whose global minimum over the grid and
 * its refinement is the best local maximum; 'infinite' when the likelihood still increases at the end of the range.
 * The grid stops where e^{−tλ} has underflowed on all but p rows (no value there).
 */
function gridSearch(fit: SpectralFit, evaluate: (t: number) => ProfilePoint, learningRate: number | undefined): Found {
  const criterion = pointwise((time) => -evaluate(timeEquivalent(time)).logLikelihood);
  const found = minimiseOnTimeGrid(fit, criterion, { learningRate, refinePoints: searchRefinePoints(fit, fit.designProjections) });
  return { time: found.time, outcome: found.outcome, lastTime: Number.isFinite(found.time) ? found.time : found.largestTime, grid: found.grid };
}
