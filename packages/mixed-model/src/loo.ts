import { gemm, Matrix64 } from '@duality/linalg-core';
import { MixedModelNumericalError } from './errors.js';
import { looBasis, type LooBasis } from './loo-basis.js';
import { usesLowRankDesign } from './low-rank-design.js';
import { looSearch, lowRankLooPoints, type LooSearch, type LooTerms } from './low-rank-loo.js';
import { minimiseOnTimeGrid, type GridMinimum, type TimeGridOptions } from './time-grid.js';
import type { SpectralFit } from './spectral-fit.js';
import { logDecayFactors, timeEquivalent, type TrainingTime } from './training-time.js';
import { weightedProjection } from './weighted-projection.js';

/*
 * Exact leave-one-out of the random-effects model u ~ N(Xβ, σ² V), V = e^{tΘ} (math.md §4); the discrete model
 * V = (I − ηΘ)^{−k} is the same with e^{−tλ} replaced by (1 − ηλ)^k.
 *
 * Without X the residual of predicting u_i from the other n − 1 points is r_i = [V⁻¹u]_i / [V⁻¹]_ii.
 *
 * With X and β estimated by GLS from the other n − 1 points: put the prior β ~ N(0, τI) on β, so that
 * u ~ N(0, V_τ), V_τ = V + τXXᵀ. For each τ the identity above holds with V_τ, and the conditional mean of u_i
 * given u_{−i} is x_iᵀβ̃ + V_{i,−i}V_{−i,−i}⁻¹(u_{−i} − X_{−i}β̃), β̃ the posterior mean of β from u_{−i}. As τ → ∞,
 * β̃ → β̂_{−i}, the GLS estimate from the other points (X_{−i} of full column rank), and by Woodbury
 * V_τ⁻¹ → P = V⁻¹ − V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹. So the residual u_i − x_iᵀβ̂_{−i} − V_{i,−i}V_{−i,−i}⁻¹(u_{−i} − X_{−i}β̂_{−i})
 * is exactly r_i = [Pu]_i / P_ii.
 *
 * In the eigenbasis, V⁻¹ ∝ U D̃ Uᵀ with D̃ = diag(e^{−t(λ_j − λ_min)}) (σ² and any common factor cancel in the
 * ratio; factoring out the largest decay e^{−tλ_min} keeps large t from turning both sides into 0/0), Z = UᵀX,
 * β̂ = (ZᵀD̃Z)⁻¹ZᵀD̃c and e = c − Zβ̂:
 *
 *   [Pu]_i = [U(D̃e)]_i,   P_ii = [(U∘U) d̃]_i − g_iᵀ(ZᵀD̃Z)⁻¹g_i,   g_i = row i of U(D̃Z).
 *
 * Per time: O(n²(k + p + 1)) in two matrix products (batched over many times at once) and O(n(p + k)²) for β̂.
 *
 * A low-rank fit (math.md §6) has the same coordinates, zero past r + b, and every direction past r shares d̃_ρ:
 * U(D̃e) and U(D̃Z) need only the basis [U_r, Q], and (U∘U)d̃ = d̃_ρ + (U_r∘U_r)(d̃_r − d̃_ρ) because each row of U
 * has unit norm. O(n(r + k + p)) per time, no n×n matrix (see loo-basis.ts).
 */

export interface LooOptions {
  /** Use the fit's design X, β re-estimated without each point (default: whenever the fit has one). */
  useDesign?: boolean;
}

/** LOO(t) on a list of times. */
export interface LooCurve {
  times: TrainingTime[];
  /** LOO(t) = (1/n) Σ_i Σ_j r_ij(t)²: summed over the k outputs (one shared t, math.md §2.3). */
  values: Float64Array;
  /** Whether X was used (β re-estimated without each point). */
  usedDesign: boolean;
}

/** LOO at one time, or why it is not determined there at working precision. */
export type LooPoint = { value: number; residuals?: Matrix64 } | { undetermined: string } | { atLeast: number };

/** Below this the scaled [e^{−tΘ}]_ii is made of underflowed terms (subnormal numbers have no relative accuracy). */
const DIAGONAL_FLOOR = 1e-280;
/** P_ii cancelled below this fraction of [e^{−tΘ}]_ii has lost most of its digits: point i alone identifies Xβ. */
const CANCELLATION_FLOOR = 1e-6;
/** Columns of the right-hand side per matrix product (bounds the transient memory at 8n·1024 bytes). */
const BATCH_COLUMNS = 1024;

/** The weights and residual projections one time needs, before the products. */
interface TimeColumns {
  /** d̃_j = e^{−t(λ_j − λ_min)}, or (1 − ηλ_j)^k over its largest value: all in [0, 1], the largest 1. */
  weights: Float64Array;
  /** e = c − Zβ̂(t) (n×k row-major; c without X). */
  residual: Float64Array;
  /** R11 (p×p) with R11ᵀR11 = ZᵀD̃Z, with X. */
  gramFactor?: Float64Array;
  /** Why β̂ is not identified at this time. */
  failure?: string;
}

/** log d̃_j ≤ 0 with max 0: each direction's decay over the largest one (λ_min's), also at t = ∞. */
function logScaledDecays(eigenvalues: Float64Array, time: TrainingTime): Float64Array {
  const log = logDecayFactors(eigenvalues, time); // also validates the time
  if (typeof time === 'number') {
    // −t(λ_j − λ_min) directly: no cancellation between two large exponents, and 0 (not NaN) at t = ∞.
    let smallest = Infinity;
    for (const v of eigenvalues) smallest = Math.min(smallest, v);
    return eigenvalues.map((v) => (v === smallest ? 0 : -time * (v - smallest)));
  }
  let top = -Infinity;
  for (const v of log) top = Math.max(top, v);
  return log.map((v) => v - top);
}

function prepareTime(fit: SpectralFit, time: TrainingTime, z: Matrix64 | undefined): TimeColumns {
  const logWeights = logScaledDecays(fit.eigenvalues, time);
  const weights = logWeights.map(Math.exp);
  if (!z) return { weights, residual: fit.residualProjections.data };
  const wp = weightedProjection(z, fit.residualProjections, logWeights, false);
  const p = z.cols;
  const pivots = Array.from({ length: p }, (_, j) => Math.abs(wp.gramFactor[j * p + j]!));
  const largest = Math.max(...pivots);
  // The rank rule fitSpectral applies to X itself, now to √D̃ Z: fewer than p directions left to estimate β.
  if (pivots.some((v) => !(v > 1e-10 * largest)) || !wp.beta.every(Number.isFinite)) {
    const failure = `β is not identified: e^{−tΘ} has decayed on all but fewer than p = ${p} directions of X`;
    return { weights, residual: new Float64Array(wp.residual.length), failure };
  }
  return { weights, residual: wp.residual, gramFactor: wp.gramFactor };
}

/**
 * Leave-one-out's terms for a batch of times from two matrix products over the basis's span: U·[D̃e | D̃Z] (the
 * numerators, and g_i for the design's correction) and diag(U D̃ Uᵀ).
 */
function coordinateTerms(basis: LooBasis, columns: TimeColumns[], k: number, z: Matrix64 | undefined): (LooTerms | { failure: string })[] {
  const span = basis.span;
  const p = z?.cols ?? 0;
  const width = k + p;
  const count = columns.length;
  const rhs = new Matrix64(span, count * width);
  columns.forEach(({ weights: d, residual: e }, tau) => {
    for (let j = 0; j < span; j++) {
      const at = j * count * width + tau * width;
      for (let l = 0; l < k; l++) rhs.data[at + l] = d[j]! * e[j * k + l]!;
      for (let l = 0; l < p; l++) rhs.data[at + k + l] = d[j]! * z!.data[j * p + l]!;
    }
  });
  const products = { numerators: basis.multiply(rhs), width, count };
  const diagonals = basis.diagonals(columns.map((c) => c.weights));
  const n = products.numerators.rows;
  return columns.map((column, tau) => {
    if (column.failure) return { failure: column.failure };
    const numerators = new Float64Array(n * k);
    const diagonal = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      numerators.set(products.numerators.data.subarray(i * count * width + tau * width, i * count * width + tau * width + k), i * k);
      diagonal[i] = diagonals.data[i * count + tau]!;
    }
    const denominators = diagonal.slice();
    if (p > 0) {
      const corrections = designCorrections(products, tau, k, column.gramFactor!);
      for (let i = 0; i < n; i++) denominators[i]! -= corrections[i]!;
    }
    return { numerators, diagonals: diagonal, denominators };
  });
}

/** R⁻¹ of an upper-triangular p×p R (row-major) by back substitution, column by column: O(p³/6). */
function upperInverse(r: Float64Array, p: number): Matrix64 {
  const inverse = new Matrix64(p, p);
  const x = inverse.data;
  for (let j = 0; j < p; j++) {
    x[j * p + j] = 1 / r[j * p + j]!;
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let l = i + 1; l <= j; l++) s += r[i * p + l]! * x[l * p + j]!;
      x[i * p + j] = -s / r[i * p + i]!;
    }
  }
  return inverse;
}

/**
 * g_iᵀ(ZᵀD̃Z)⁻¹g_i = ‖g_iᵀR11⁻¹‖² for every point of time `tau` of a batch: one matrix product G·R11⁻¹ (BLAS)
 * instead of n triangular solves in JavaScript (O(n p²) either way; the error of both grows as cond(R11)·ε).
 */
function designCorrections(products: { numerators: Matrix64; width: number; count: number }, tau: number, k: number, factor: Float64Array): Float64Array {
  const { numerators, width, count } = products;
  const n = numerators.rows;
  const p = width - k;
  const g = new Matrix64(n, p);
  for (let i = 0; i < n; i++) {
    const at = i * count * width + tau * width + k;
    g.data.set(numerators.data.subarray(at, at + p), i * p);
  }
  const y = gemm(g, upperInverse(factor, p)).data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let a = 0; a < p; a++) sum += y[i * p + a]! ** 2;
    out[i] = sum;
  }
  return out;
}

function undeterminedReason(point: number, diagonal: number, denominator: number, withDesign: boolean): string {
  if (!(diagonal > DIAGONAL_FLOOR)) {
    return (
      `[e^{−tΘ}]_ii of point ${point} underflowed (${diagonal.toExponential(2)} after factoring out the largest decay): ` +
      `its eigenvector weight lies on directions that have all decayed below the double range`
    );
  }
  const what = withDesign ? 'P_ii = [V⁻¹ − V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹]_ii' : '[e^{−tΘ}]_ii';
  return (
    `${what} of point ${point} cancelled to ${(denominator / diagonal).toExponential(2)} of [e^{−tΘ}]_ii: ` +
    `its prediction rests on X alone (leverage 1 at working precision: a column of X only point ${point} informs, ` +
    `or at this t too few directions besides X's are left)`
  );
}

/** The residuals r_ij = [Pu]_ij / P_ii and LOO at one time, or why they are not determined there. */
function looPoint(terms: LooTerms | { failure: string }, k: number, keepResiduals: boolean, withDesign: boolean): LooPoint {
  if ('failure' in terms) return { undetermined: terms.failure };
  const { numerators, diagonals, denominators } = terms;
  const n = diagonals.length;
  const residuals = keepResiduals ? new Matrix64(n, k) : undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const diagonal = diagonals[i]!;
    const denominator = denominators[i]!;
    if (!(denominator > Math.max(DIAGONAL_FLOOR, CANCELLATION_FLOOR * diagonal))) {
      return { undetermined: undeterminedReason(i, diagonal, denominator, withDesign) };
    }
    for (let l = 0; l < k; l++) {
      const r = numerators[i * k + l]! / denominator;
      sum += r * r;
      if (residuals) residuals.data[i * k + l] = r;
    }
  }
  const value = sum / n;
  if (!Number.isFinite(value)) return { undetermined: 'LOO(t) overflows the double range' };
  return { value, residuals };
}

/** Whether a LOO call uses the fit's design (the package's rule: whenever there is one, unless told not to). */
export function usesDesign(fit: SpectralFit, options: LooOptions): boolean {
  return (options.useDesign ?? true) && fit.designProjections !== undefined;
}

/**
 * LOO at every time: in batches of one matrix product each, or, with a wide design on a low-rank fit, in r dimensions
 * (low-rank-loo.ts), where within a `search` (one minimisation, across its calls) a time whose exact lower bound clears
 * the smallest value found is returned as { atLeast } instead of evaluated. Undetermined times are reported, never NaN.
 */
export function evaluateLoo(fit: SpectralFit, times: ArrayLike<TrainingTime>, useDesign: boolean, keepResiduals = false, search?: LooSearch): LooPoint[] {
  const z = useDesign ? fit.designProjections : undefined;
  const k = fit.outputs;
  const withDesign = z !== undefined;
  if (usesLowRankDesign(fit, z)) {
    const logWeights = Array.from(times, (time) => logScaledDecays(fit.eigenvalues, time));
    const weights = logWeights.map((log) => log.map(Math.exp));
    const continuous = Float64Array.from(times, timeEquivalent);
    return lowRankLooPoints(fit, z!, continuous, weights, logWeights, search, (terms) => looPoint(terms, k, keepResiduals, true));
  }
  const basis = looBasis(fit);
  const perBatch = Math.max(1, Math.floor(BATCH_COLUMNS / (k + (z?.cols ?? 0))));
  const points: LooPoint[] = [];
  for (let from = 0; from < times.length; from += perBatch) {
    const columns: TimeColumns[] = [];
    for (let tau = from; tau < Math.min(times.length, from + perBatch); tau++) columns.push(prepareTime(fit, times[tau]!, z));
    for (const terms of coordinateTerms(basis, columns, k, z)) points.push(looPoint(terms, k, keepResiduals, withDesign));
  }
  return points;
}

/** LOO minimised on the shared time grid (time-grid.ts), one `LooSearch` for the grid and every refinement probe. */
export function looMinimum(fit: SpectralFit, useDesign: boolean, options: TimeGridOptions): GridMinimum {
  const search = looSearch();
  return minimiseOnTimeGrid(fit, (times) => evaluateLoo(fit, times, useDesign, false, search), options);
}

export function describeTime(time: TrainingTime): string {
  return typeof time === 'number' ? `t = ${time}` : `k = ${time.steps} steps (η = ${time.learningRate})`;
}

function determined(point: LooPoint, time: TrainingTime): { value: number; residuals?: Matrix64 } {
  if ('value' in point) return point;
  if ('atLeast' in point) throw new MixedModelNumericalError(`leave-one-out at ${describeTime(time)} was bounded, not evaluated (please report)`);
  throw new MixedModelNumericalError(
    `leave-one-out at ${describeTime(time)} is not determined at working precision: ${point.undetermined}; ` +
      'use smaller times (looTime stops its grid before such a time)',
  );
}

/**
 * The LOO residuals r_ij(t) (n×k) at one time (continuous t, Infinity for the limit, or { learningRate, steps }).
 * Needs eigenvectors: a fit from the kernel, spectrum.vectors (U∘U is formed once per fit and cached) or lowRank.
 * Throws {@link MixedModelNumericalError} where a residual is 0/0 at working precision.
 */
export function looResiduals(fit: SpectralFit, time: TrainingTime, options: LooOptions = {}): Matrix64 {
  const [point] = evaluateLoo(fit, [time], usesDesign(fit, options), true);
  return determined(point!, time).residuals!;
}

/**
 * LOO(t) = (1/n) Σ_i Σ_j r_ij(t)² on a list of times, all of them from two matrix products (n×n by n×T; n×r by
 * r×T on a low-rank fit).
 * Throws {@link MixedModelNumericalError} naming the first time and point where a residual is 0/0 at working
 * precision (never a NaN in the curve).
 */
export function looCurve(fit: SpectralFit, times: ArrayLike<TrainingTime>, options: LooOptions = {}): LooCurve {
  const usedDesign = usesDesign(fit, options);
  const list = Array.from(times);
  const points = evaluateLoo(fit, list, usedDesign);
  const values = Float64Array.from(points, (point, i) => determined(point, list[i]!).value);
  return { times: list, values, usedDesign };
}
