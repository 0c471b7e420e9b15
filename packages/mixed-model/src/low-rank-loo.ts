import { gemm, lowerTransposedProduct, lowerTriangularSolve, Matrix64 } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import { looBasis, type LooBasis } from './loo-basis.js';
import { lowRankDesign, lowRankGls, type LowRankDesign, type LowRankGls } from './low-rank-design.js';
import type { SpectralFit } from './spectral-fit.js';
import type { GridPoint } from './time-grid.js';

/*
 * Exact leave-one-out with a wide design on a low-rank fit, in r dimensions (math.md §4, §7.3). With H the hat
 * matrix of X, Ũ = (I − H)U_r (n×r) and Ω = φ^{1/2}T⁻¹φ^{1/2} (low-rank-design.ts), the matrix of loo.ts is
 *
 *   P = V⁻¹ − V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹ ∝ (I − H) − Ũ Ω Ũᵀ,
 *
 * with the same factor e^{−tρ} as [e^{−tΘ}]_ii, so that [Pu]_i ∝ [(I − H)u]_i − ũ_iᵀ(Ωb) and
 * P_ii ∝ (1 − h_i) − q_i, q_i = ‖L⁻¹φ^{1/2}ũ_i‖² for T = L Lᵀ. Once per fit: Ũ, 1 − h_i and (I − H)u, O(n p (r + p)).
 * Per time the numerators cost O(n r k) and the q_i O(n r²), one triangular product Ũ Cᵀ (the coordinate form
 * costs O(n (r + p) p)); that product is the whole cost of the rule at scale (0.4·10¹¹ flops at n = 40,000, r = 1,000).
 *
 * So a search evaluates q only where it must. Ω grows with t in the Loewner order (Ω = (γ⁻¹ + N)⁻¹ with every
 * γ_j = ψ_j⁻¹ − 1 increasing, also in whole steps), so q_i(t) increases and P_ii(t) decreases: with P_ii known at an
 * earlier time t_a, LOO(t) ≥ (1/n) Σ_i [Pu]_i(t)² / P_ii(t_a)², exactly, from the cheap numerators alone. A search
 * (`LooSearch`, one per minimisation) evaluates a batch at every STRIDE-th time, then each other time whose bound is
 * not above the smallest value found, and reports the rest as bounded away from the minimum (time-grid.ts); its
 * later calls (refinement probes) are bounded by every time it evaluated before.
 */

/** What one time gives leave-one-out, before the ratios (all scaled by the same factor). */
export interface LooTerms {
  /** [Pu]_i (n×k). */
  numerators: Float64Array;
  /** [e^{−tΘ}]_ii, the reference a cancelled P_ii is measured against. */
  diagonals: Float64Array;
  /** P_ii. */
  denominators: Float64Array;
}

export type LooTermsOrFailure = LooTerms | { failure: string };

/** A LOO point as loo.ts makes it from the terms (its value, or why it is undetermined). */
type Finish = (terms: LooTermsOrFailure) => GridPoint & { residuals?: Matrix64 };

/** Rows of Ũ per matrix product: bounds a product's memory at 8·ROW_BLOCK·r bytes (33 MB at r = 1,000, once per fit). */
const ROW_BLOCK = 4096;
/** Every STRIDE-th time of a search's first batch is evaluated before any bound is used (t = 0's costs no product). */
const STRIDE = 8;
/** A bound must clear the smallest value by this much (relative) to rule a time out: ties are never ruled out. */
const MARGIN = 1e-9;

interface LowRankLooParts {
  design: LowRankDesign;
  basis: LooBasis;
  /** Ũ (n×r). */
  projectedVectors: Matrix64;
  /** 1 − h_i. */
  residualLeverages: Float64Array;
  /** (I − H)u (n×k). */
  projectedTargets: Matrix64;
  /** Room for one block of Ũ's rows (ROW_BLOCK × r), reused by every time's q products. */
  scratch: Float64Array;
}

const cache = new WeakMap<SpectralFit, LowRankLooParts>();

/** Ũ = (I − H)U_r, (I − H)u and 1 − h_i: what leave-one-out needs in the points, once per fit. */
type PointParts = Pick<LowRankLooParts, 'projectedVectors' | 'projectedTargets' | 'residualLeverages'>;

/**
 * From X itself. XᵀX = ZᵀZ = R_ZᵀR_Z, so Q_X = X R_Z⁻¹ has orthonormal columns spanning X, with Q_XᵀU_r = Gᵀ and
 * Q_Xᵀu = Q_Zᵀc: Ũ = U_r − Q_X Gᵀ, (I − H)u = u − Q_X(Q_Zᵀc) and h_i = ‖row i of Q_X‖². Per block of rows one
 * triangular product (dtrmm) and one product: O(n p (p + r)), 6·10¹¹ flops at n = 40,000, r = 1,000, p = 2,934,
 * against 14·10¹¹ for the complement's Q formed in the points and multiplied (what the fit no longer does). It agrees
 * with the dense fit as that route did down to pivot ratios of 1e-9, next to the 1e-10 at which the fit drops or
 * refuses a column (low-rank-design.test.ts), and at 40,000 × 2,934 its LOO curve is smooth to 1e-9 near the minimum,
 * where that route's 1 − Σ (squared rows of [U_r, Q]) moved the search's step by 9 (BENCHMARKS.md, fourth session).
 */
function pointPartsFromDesign(fit: SpectralFit, design: LowRankDesign, x: Matrix64): PointParts {
  const { r, p, k, rz, g, qzc } = design;
  const n = fit.n;
  const u = fit.lowRankBasis!.vectors;
  const columns = fit.designColumns ?? Int32Array.from({ length: x.cols }, (_, j) => j);
  // X R_Z⁻¹ = X Lᵀ with L = (R_Zᵀ)⁻¹, lower triangular.
  const inverse = lowerTriangularSolve(rz.transpose(), Matrix64.identity(p), { overwrite: true });
  const projectedVectors = new Matrix64(n, r);
  const projectedTargets = new Matrix64(n, k);
  const residualLeverages = new Float64Array(n);
  const scratch = new Float64Array(Math.min(ROW_BLOCK, n) * p);
  for (let from = 0; from < n; from += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - from);
    const block = new Matrix64(rows, p, scratch.subarray(0, rows * p));
    for (let i = 0; i < rows; i++) for (let a = 0; a < p; a++) block.data[i * p + a] = x.data[(from + i) * x.cols + columns[a]!]!;
    const q = lowerTransposedProduct(block, inverse, { overwrite: true });
    for (let i = 0; i < rows; i++) {
      let h = 0;
      for (let a = 0; a < p; a++) h += q.data[i * p + a]! ** 2;
      residualLeverages[from + i] = 1 - h;
    }
    const vectors = rowBlock(projectedVectors, from, rows);
    vectors.data.set(u.data.subarray(from * r, (from + rows) * r));
    gemm(q, g, { transB: true, into: vectors, alpha: -1, beta: 1 });
    const targets = rowBlock(projectedTargets, from, rows);
    for (let e = 0; e < rows * k; e++) targets.data[e] = fit.y!.data[from * k + e]! - (fit.f0?.data[from * k + e] ?? 0);
    gemm(q, qzc, { into: targets, alpha: -1, beta: 1 });
  }
  return { projectedVectors, projectedTargets, residualLeverages };
}

function looParts(fit: SpectralFit, z: Matrix64): LowRankLooParts {
  const cached = cache.get(fit);
  if (cached) return cached;
  const design = lowRankDesign(fit, z);
  const basis = looBasis(fit);
  if (!fit.design || !fit.y) throw new MixedModelInputError('leave-one-out with a design on a low-rank fit needs the fit’s X and y (build it with fitSpectral)');
  const parts = { design, basis, ...pointPartsFromDesign(fit, design, fit.design), scratch: new Float64Array(Math.min(ROW_BLOCK, fit.n) * design.r) };
  cache.set(fit, parts);
  return parts;
}

/** Rows [from, from + count) of an n×r matrix, as a view. */
function rowBlock(m: Matrix64, from: number, count: number): Matrix64 {
  return new Matrix64(count, m.cols, m.data.subarray(from * m.cols, (from + count) * m.cols));
}

/** [Pu]_i for every time at once: (I − H)u − Ũ[Ω₁b | Ω₂b | …], one product per block of rows. */
function allNumerators(parts: LowRankLooParts, glses: LowRankGls[]): Float64Array[] {
  const { projectedVectors: u, projectedTargets, design } = parts;
  const { r, k } = design;
  const n = u.rows;
  const count = glses.length;
  const stacked = new Matrix64(r, count * k);
  glses.forEach((gls, tau) => {
    for (let j = 0; j < r; j++) for (let l = 0; l < k; l++) stacked.data[j * count * k + tau * k + l] = gls.omegaB.data[j * k + l]!;
  });
  const out = glses.map(() => projectedTargets.data.slice());
  for (let from = 0; from < n; from += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - from);
    const shift = gemm(rowBlock(u, from, rows), stacked).data;
    for (let i = 0; i < rows; i++) {
      for (let tau = 0; tau < count; tau++) for (let l = 0; l < k; l++) out[tau]![(from + i) * k + l]! -= shift[i * count * k + tau * k + l]!;
    }
  }
  return out;
}

/** C = L⁻¹ diag(φ^{1/2}) (r×r, lower triangular), so that q_i = ‖C ũ_i‖² = ‖row i of Ũ Cᵀ‖². */
function quadraticFactor(gls: LowRankGls, r: number): Matrix64 {
  const inverse = lowerTriangularSolve(gls.factor, Matrix64.identity(r), { overwrite: true });
  for (let i = 0; i < r; i++) for (let j = 0; j <= i; j++) inverse.data[i * r + j]! *= gls.rootPhi[j]!;
  return inverse;
}

/** P_ii = (1 − h_i) − q_i at one time: Ũ Cᵀ one block of rows at a time, a triangular product (dtrmm) each. */
function denominators(parts: LowRankLooParts, gls: LowRankGls): Float64Array {
  const { projectedVectors: u, residualLeverages: oneMinusH, design, scratch } = parts;
  const r = design.r;
  const n = u.rows;
  const out = oneMinusH.slice();
  if (gls.rootPhi.every((v) => v === 0)) return out; // t = 0: Ω = 0
  const factor = quadraticFactor(gls, r);
  for (let from = 0; from < n; from += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - from);
    const block = new Matrix64(rows, r, scratch.subarray(0, rows * r));
    block.data.set(u.data.subarray(from * r, (from + rows) * r));
    const y = lowerTransposedProduct(block, factor, { overwrite: true }).data;
    for (let i = 0; i < rows; i++) {
      let q = 0;
      for (let j = 0; j < r; j++) q += y[i * r + j]! ** 2;
      out[from + i]! -= q;
    }
  }
  return out;
}

/**
 * What one search (time-grid.ts) has learned across its calls: P_ii at each time it evaluated (by continuous time)
 * and the smallest LOO value found. P_ii falls with t, so a later call's times are bounded by the nearest known
 * times on either side, and only those the bounds cannot rule out are evaluated.
 */
export interface LooSearch {
  readonly known: Map<number, Float64Array>;
  smallest: number;
}

/** A fresh search's memory: one per minimisation, never shared between criteria or fits. */
export function looSearch(): LooSearch {
  return { known: new Map(), smallest: Infinity };
}

/**
 * Leave-one-out at each time (ascending, `times` continuous), from the weights d̃ (the remainder's equal to 1) and
 * their logs. With a `search`, times its bounds rule out are returned as { atLeast } instead of evaluated.
 */
export function lowRankLooPoints(
  fit: SpectralFit,
  z: Matrix64,
  times: Float64Array,
  weights: Float64Array[],
  logWeights: Float64Array[],
  search: LooSearch | undefined,
  finish: Finish,
): (GridPoint & { residuals?: Matrix64 })[] {
  const parts = looParts(fit, z);
  const { design, basis } = parts;
  const glses = logWeights.map((log) => lowRankGls(design, fit.residualProjections, log));
  const failure = { failure: `β is not identified: e^{−tΘ} has decayed on all but fewer than p = ${design.p} directions of X` };
  const live = glses.flatMap((gls, tau) => (gls ? [tau] : []));
  const numerators = new Map<number, Float64Array>();
  allNumerators(parts, live.map((tau) => glses[tau]!)).forEach((value, a) => numerators.set(live[a]!, value));
  const diagonals = basis.diagonals(weights);
  const count = weights.length;
  const diagonalOf = (tau: number) => Float64Array.from({ length: fit.n }, (_, i) => diagonals.data[i * count + tau]!);
  const points: (GridPoint & { residuals?: Matrix64 })[] = glses.map((gls) => (gls ? { atLeast: Number.NaN } : finish(failure)));
  const evaluate = (tau: number) => {
    const d = denominators(parts, glses[tau]!);
    const point = finish({ numerators: numerators.get(tau)!, diagonals: diagonalOf(tau), denominators: d });
    points[tau] = point;
    if (search && 'value' in point) {
      search.known.set(times[tau]!, d);
      search.smallest = Math.min(search.smallest, point.value);
    }
  };
  if (!search) {
    live.forEach(evaluate);
    return points;
  }
  // A search's first batch (the grid) is seeded on both sides of every time, which keeps the bounds tight: t = 0's
  // alone is loose at large t, where q_i approaches 1 − h_i (measured: it left 50 of 78 grid times to evaluate,
  // against about 14 with seeds). Later calls are bounded by what the search knows.
  const first = search.known.size === 0;
  const [seeds, rest] = partition(live, (_, a) => first && (a % STRIDE === 0 || a === live.length - 1));
  seeds.forEach(evaluate);
  boundOrEvaluate(rest, { points, times, numerators, evaluate, search, k: design.k });
  return points;
}

function partition<T>(items: T[], test: (item: T, index: number) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item, index) => !test(item, index))];
}

interface Pending {
  points: (GridPoint & { residuals?: Matrix64 })[];
  times: Float64Array;
  numerators: Map<number, Float64Array>;
  evaluate: (tau: number) => void;
  search: LooSearch;
  k: number;
}

/**
 * Bounds on LOO at an unevaluated time from the nearest known ones: P_ii(t_a) ≥ P_ii(t) ≥ P_ii(t_b) for t_a < t < t_b,
 * so (1/n) Σ_i [Pu]_i(t)²/P_ii(t_a)² ≤ LOO(t) ≤ (1/n) Σ_i [Pu]_i(t)²/P_ii(t_b)² (−∞ and ∞ where there is no such time).
 */
function bounds(tau: number, { times, numerators, search, k }: Pending): { lower: number; upper: number } {
  const t = times[tau]!;
  let left = -Infinity;
  let right = Infinity;
  for (const known of search.known.keys()) {
    if (known < t && known > left) left = known;
    if (known > t && known < right) right = known;
  }
  const numerator = numerators.get(tau)!;
  const at = (denominators: Float64Array) => {
    let sum = 0;
    for (let i = 0; i < denominators.length; i++) for (let l = 0; l < k; l++) sum += (numerator[i * k + l]! / denominators[i]!) ** 2;
    return sum / denominators.length;
  };
  return {
    lower: left === -Infinity ? -Infinity : at(search.known.get(left)!),
    upper: right === Infinity ? Infinity : at(search.known.get(right)!),
  };
}

/**
 * The remaining times, most promising first: a time is ruled out when its lower bound clears the smallest value
 * known to be reached (evaluated in this search, or below another time's upper bound), else evaluated.
 */
function boundOrEvaluate(taus: number[], pending: Pending): void {
  const { points, search } = pending;
  let open = taus;
  while (open.length > 0) {
    const current = open.map((tau) => ({ tau, ...bounds(tau, pending) }));
    const reached = current.reduce((m, c) => Math.min(m, c.upper), search.smallest);
    const ruledOut = (c: { lower: number }) => c.lower > reached * (1 + MARGIN);
    current.filter(ruledOut).forEach((c) => (points[c.tau] = { atLeast: c.lower }));
    const candidates = current.filter((c) => !ruledOut(c)).sort((a, b) => a.lower - b.lower);
    if (candidates.length === 0) return;
    pending.evaluate(candidates[0]!.tau);
    open = candidates.slice(1).map((c) => c.tau);
  }
}
