import { Matrix64 } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import { timeScales } from './time-grid.js';
import { asColumns, type Targets } from './fit-inputs.js';
import type { SpectralFit } from './spectral-fit.js';
import { minimiseOnTimeGrid, pointwise, type BatchCriterion, type GridMinimum, type GridOutcome } from './time-grid.js';
import { filterFactors, logDecayFactors, type TrainingTime } from './training-time.js';
import { designGls, type DesignGls } from './design-gls.js';
import { searchRefinePoints } from './low-rank-design.js';

export interface PathOptions {
  /** Use the fit's design X (default: whenever the fit has one). */
  useDesign?: boolean;
}

/** The trained model at one time (math.md §1–2, §4). */
export interface PathPoint {
  /** In-sample BLUP f̂_t (n×k): f0 + Xβ̂ + (I − e^{−tΘ})(u − Xβ̂). Needs eigenvectors (kernel or spectrum.vectors). */
  fitted?: Matrix64;
  /** y − f̂_t (n×k). Needs eigenvectors. */
  residuals?: Matrix64;
  /** Uᵀ(y − f̂_t) = e^{−tλ_i}·e_i (n×k), e = c − Zβ̂(t) (= c without X). */
  residualProjections: Matrix64;
  /** Spectral losses ℓ_i(t) = e^{−tλ_i} Σ_j e_ij² (math.md §2.1). */
  spectralLosses: Float64Array;
  /** Ψ(t) = (1/n) Σ (λ_i − λ̄)(ℓ_i − ℓ̄): > 0 keep training, < 0 over-fitted. */
  decorrelation: number;
  /** Effective degrees of freedom, in [0, rank Θ] (with X, in [p, p + rank]). */
  edf: number;
  /** GCV(t) = n ‖e^{−tΘ}(u − Xβ̂)‖²/k / (n − edf)², with n − edf = Σ d_i(1 − h_i) formed without cancellation. */
  gcv: number;
  /** σ̂²(t) = Σ e^{−tλ_i} e_i² / ((n − p)·k). */
  noiseVariance: number;
  /** β̂(t) (p×k) when X is used. */
  fixedEffects?: Matrix64;
}

interface Evaluated {
  logDecay: Float64Array;
  /** The GLS on X at this time, when X is used. */
  gls?: DesignGls;
  p: number;
}

function evaluateAt(fit: SpectralFit, time: TrainingTime, options: PathOptions): Evaluated {
  const logDecay = logDecayFactors(fit.eigenvalues, time);
  const z = (options.useDesign ?? true) ? fit.designProjections : undefined;
  return { logDecay, gls: z ? designGls(fit, z, logDecay) : undefined, p: z?.cols ?? 0 };
}

/**
 * edf(t) and GCV(t): n − edf = Σ d_i(1 − h_i) and the GCV numerator Σ d_i² e_i², both scaled by max d so neither
 * underflows at large t. Reads the GLS's weighted sums and leverages, not e itself (which a low-rank fit with a wide
 * design forms only when asked, low-rank-design.ts).
 */
function edfAndGcv(fit: SpectralFit, { logDecay, gls, p }: Evaluated): { edf: number; gcv: number } {
  const { n, outputs: k } = fit;
  let maxLog = -Infinity;
  for (let i = 0; i < n; i++) maxLog = Math.max(maxLog, logDecay[i]!);
  const scaled = logDecay.map((v) => Math.exp(v - maxLog));
  const squaredWeights = scaled.map((d) => d * d);
  let squares = 0;
  if (gls) squares = gls.weightedSquares(squaredWeights);
  else for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) squares += squaredWeights[i]! * fit.residualProjections.data[i * k + j]! ** 2;
  let remaining = 0;
  let edf = p;
  for (let i = 0; i < n; i++) {
    const left = 1 - (gls ? gls.leverages[i]! : 0);
    remaining += scaled[i]! * left;
    edf += -Math.expm1(logDecay[i]!) * left;
  }
  return { edf, gcv: (n * squares) / k / remaining ** 2 };
}

/** Everything about the model trained to `time` (continuous t or { learningRate, steps }). */
export function pathAt(fit: SpectralFit, time: TrainingTime, options: PathOptions = {}): PathPoint {
  const summary = summaryAt(fit, time, options);
  const residuals = fit.expand && fit.y ? fit.expand(summary.residualProjections) : undefined;
  let fitted: Matrix64 | undefined;
  if (residuals && fit.y) {
    fitted = fit.y.clone();
    for (let q = 0; q < fitted.data.length; q++) fitted.data[q]! -= residuals.data[q]!;
  }
  return { fitted, residuals, ...summary };
}

/** The path point without the in-sample fit (no n×n product): O(n(p + k)²). */
function summaryAt(fit: SpectralFit, time: TrainingTime, options: PathOptions): Omit<PathPoint, 'fitted' | 'residuals'> {
  const { n, outputs: k, eigenvalues: lambda } = fit;
  const evaluated = evaluateAt(fit, time, options);
  const { logDecay, gls, p } = evaluated;
  const e = gls ? gls.residual : fit.residualProjections.data;
  const residualProjections = new Matrix64(n, k);
  const spectralLosses = new Float64Array(n);
  let weightedRss = 0;
  let meanLambda = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.exp(logDecay[i]!);
    let e2 = 0;
    for (let j = 0; j < k; j++) {
      const v = e[i * k + j]!;
      residualProjections.data[i * k + j] = d * v;
      e2 += v * v;
    }
    spectralLosses[i] = d * e2;
    weightedRss += d * e2;
    meanLambda += lambda[i]! / n;
  }
  const meanLoss = weightedRss / n;
  let decorrelation = 0;
  for (let i = 0; i < n; i++) decorrelation += ((lambda[i]! - meanLambda) * (spectralLosses[i]! - meanLoss)) / n;
  return {
    residualProjections,
    spectralLosses,
    decorrelation,
    ...edfAndGcv(fit, evaluated),
    noiseVariance: weightedRss / ((n - p) * k),
    fixedEffects: gls ? new Matrix64(p, k, gls.beta) : undefined,
  };
}

export interface PredictionInput {
  /** f0 at the new points (n*×k); default 0. */
  f0New?: Targets;
  /** The design at the new points (n*×p); required when X is used. */
  designNew?: Targets;
}

/**
 * f_t(x*) = f0(x*) + X*β̂ + Θ(x*, X)·U·diag(φ_t(λ))·(c − Zβ̂), φ_t(λ) = (1 − e^{−tλ})/λ (= t at λ = 0): no inverse of
 * Θ is formed. Needs the cross-kernel given to {@link fitSpectral} (or spectrum.crossProjections, or
 * lowRank.crossProjections: exact for a Nyström approximation, whose cross-kernel lies in the span of U_r).
 */
export function predictAt(fit: SpectralFit, time: TrainingTime, input: PredictionInput = {}, options: PathOptions = {}): Matrix64 {
  const cross = fit.crossProjections;
  if (!cross) {
    throw new MixedModelInputError('predictAt needs the cross-kernel Θ(x*, X): pass crossKernel to fitSpectral');
  }
  const { outputs: k } = fit;
  const nNew = cross.cols;
  const { logDecay, gls, p } = evaluateAt(fit, time, options);
  const e = gls ? gls.residual : fit.residualProjections.data;
  const beta = gls?.beta;
  const phi = filterFactors(fit.eigenvalues, logDecay, time);
  const out = input.f0New === undefined ? new Matrix64(nNew, k) : asColumns(input.f0New, nNew, 'f0New').clone();
  if (out.cols !== k) throw new MixedModelInputError(`f0New has ${out.cols} outputs but the fit has ${k}`);
  // Rows of the cross projections past cross.rows are zero (a low-rank fit keeps r of them).
  for (let i = 0; i < cross.rows; i++) {
    for (let j = 0; j < k; j++) {
      const coef = phi[i]! * e[i * k + j]!;
      if (coef === 0) continue;
      for (let a = 0; a < nNew; a++) out.data[a * k + j]! += cross.data[i * nNew + a]! * coef;
    }
  }
  if (beta) {
    if (input.designNew === undefined) throw new MixedModelInputError('predictAt: the fit uses X, so give designNew (X at the new points)');
    const xNew = asColumns(input.designNew, nNew, 'designNew');
    if (xNew.cols !== p) throw new MixedModelInputError(`designNew has ${xNew.cols} columns but X has ${p}`);
    for (let a = 0; a < nNew; a++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let l = 0; l < p; l++) s += xNew.data[a * p + l]! * beta[l * k + j]!;
        out.data[a * k + j]! += s;
      }
    }
  }
  return out;
}

/** A time minimising a criterion on the shared time grid (time-grid.ts), with its value and outcome. */
export interface SelectedTime {
  time: number;
  value: number;
  outcome: GridOutcome;
}

function selected(found: GridMinimum): SelectedTime {
  return { time: found.time, value: found.value, outcome: found.outcome };
}

/** The GCV time, with the end of the range searched. */
export interface GcvTime extends SelectedTime {
  /** The largest time searched: where n − edf(t) falls to 1 (Infinity when it never does, e.g. a singular Θ). */
  largestTime: number;
}

/**
 * GCV time: argmin of GCV(t) = n‖e^{−tΘ}u‖²/(n − edf(t))² (math.md §4) over the times that leave at least one
 * residual degree of freedom, n − edf(t) ≥ 1. As edf → n numerator and denominator both vanish and GCV tends to
 * n·c_n² (the weight of u on the smallest eigenvalue): when that happens to be small GCV has a spurious minimum at
 * an absurd, interpolating t. n − edf is decreasing in t (V = e^{tΘ} grows in the Loewner order), so the
 * admissible times are an interval [0, largestTime], found by bisection in log t; the minimum over it by the shared
 * time grid (time-grid.ts), whose range then ends at largestTime.
 */
export function gcvTime(fit: SpectralFit, options: PathOptions = {}): GcvTime {
  const largestTime = interpolationTime(fit, options);
  const refinePoints = searchRefinePoints(fit, (options.useDesign ?? true) ? fit.designProjections : undefined);
  return { ...selected(minimiseOnTimeGrid(fit, gcvCriterion(fit, options), { largestTime, refinePoints })), largestTime };
}

/** GCV(t) as a criterion of the shared time grid (continuous t or whole steps). */
export function gcvCriterion(fit: SpectralFit, options: PathOptions = {}): BatchCriterion {
  return pointwise((time) => edfAndGcv(fit, evaluateAt(fit, time, options)).gcv);
}

/** The time where n − edf(t) = 1 (Infinity if n − edf ≥ 1 up to the end of the search range): GCV's largest admissible time. */
export function interpolationTime(fit: SpectralFit, options: PathOptions = {}): number {
  const residualDf = (logT: number) => fit.n - edfAndGcv(fit, evaluateAt(fit, Math.exp(logT), options)).edf;
  const scales = timeScales(fit);
  let lo = Math.log(1e-3 * scales.shortest);
  let hi = Math.log(1e3 * scales.longest);
  if (residualDf(hi) >= 1) return Infinity;
  if (residualDf(lo) < 1) return 0;
  while (hi - lo > 1e-10 * Math.max(1, Math.abs(lo))) {
    const mid = 0.5 * (lo + hi);
    if (residualDf(mid) >= 1) lo = mid;
    else hi = mid;
  }
  return Math.exp(lo);
}

/** The truth an oracle stopping time is measured against. */
export type OracleTruth =
  /** The noise-free in-sample function f* (n×k); needs eigenvectors in the fit. */
  | { inSample: Targets }
  /** Test targets at the fit's cross-kernel points (n*×k), with f0 and X there when the model uses them. */
  | { testTargets: Targets; f0New?: Targets; designNew?: Targets };

/** Oracle time: argmin over t of the true mean squared error (in-sample against f*, or on a test set). */
export function oracleTime(fit: SpectralFit, truth: OracleTruth, options: PathOptions = {}): SelectedTime {
  if ('inSample' in truth) {
    const target = asColumns(truth.inSample, fit.n, 'oracle in-sample truth f*');
    if (!fit.expand) throw new MixedModelInputError('the in-sample oracle needs eigenvectors (fit from the kernel or spectrum.vectors)');
    return selected(minimiseOnTimeGrid(fit, pointwise((t) => meanSquaredDifference(pathAt(fit, t, options).fitted!, target))));
  }
  const nNew = fit.crossProjections?.cols ?? 0;
  const target = asColumns(truth.testTargets, nNew, 'oracle test targets');
  return selected(minimiseOnTimeGrid(fit, pointwise((t) => meanSquaredDifference(predictAt(fit, t, truth, options), target))));
}

function meanSquaredDifference(a: Matrix64, b: Matrix64): number {
  if (a.cols !== b.cols) throw new MixedModelInputError(`truth has ${b.cols} outputs but the model has ${a.cols}`);
  let s = 0;
  for (let q = 0; q < a.data.length; q++) s += (a.data[q]! - b.data[q]!) ** 2;
  return s / a.data.length;
}
