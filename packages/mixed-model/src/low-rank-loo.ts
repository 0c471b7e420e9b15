import { gemm, lowerTransposedProduct, lowerTriangularSolve, Matrix64, qrTriangle } from '@duality/linalg-core';
import { hstack } from './fit-inputs.js';
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
 * P_ii ∝ (1 − h_i) − q_i, q_i = ‖L⁻¹φ^{1/2}ũ_i‖² for T = L Lᵀ. Once per fit: Ũ, 1 − h_i and (I − H)u, O(n s (r + p)).
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

/** 1 − h_i with h_i = ‖row i of Q_X‖², Q_X = [U_r, Q]·Q_Z formed a block of columns at a time: O(n s p). */
function residualLeveragesFromDesign(basis: LooBasis, qz: Matrix64, n: number): Float64Array {
  const out = new Float64Array(n).fill(1);
  const width = 256;
  for (let from = 0; from < qz.cols; from += width) {
    const cols = Math.min(width, qz.cols - from);
    const block = new Matrix64(qz.rows, cols);
    for (let i = 0; i < qz.rows; i++) block.data.set(qz.data.subarray(i * qz.cols + from, i * qz.cols + from + cols), i * cols);
    const inPoints = basis.multiply(block).data;
    for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) out[i]! -= inPoints[i * cols + j]! ** 2;
  }
  return out;
}

/** Below this |R_jj| / max |R_jj| the complement's basis from R⁻¹ would lose digits: the O(n s p) form is used. */
const PIVOT_FLOOR = 1e-6;

/**
 * 1 − h_i = (1 − ‖B_i‖²) + ‖row i of B K‖², with B = [U_r, Q] and K an orthonormal basis of the part of the s
 * coordinates outside span Z. That part is spanned by C = (I − Q_ZQ_Zᵀ)[E_r | c] (the coordinates are spanned by E_r,
 * c and Z), so with C = K R: B K = [Ũ | (I − H)u] R⁻¹, O(n (r + k)²) from what leave-one-out forms anyway, where
 * Q_X itself costs O(n s p) (3·10¹¹ against 9·10¹¹ flops at n = 40,000, r = 1,000, p = 2,924).
 */
function residualLeverages(fit: SpectralFit, coordinates: Matrix64, inPoints: Matrix64, basis: LooBasis, qz: Matrix64): Float64Array {
  const width = coordinates.cols;
  const r = qrTriangle(coordinates);
  let largest = 0;
  for (let j = 0; j < width; j++) largest = Math.max(largest, Math.abs(r.data[j * width + j]!));
  for (let j = 0; j < width; j++) if (!(Math.abs(r.data[j * width + j]!) > PIVOT_FLOOR * largest)) return residualLeveragesFromDesign(basis, qz, fit.n);
  const inverseTransposed = lowerTriangularSolve(r.transpose(), Matrix64.identity(width), { overwrite: true });
  const { vectors, complement } = fit.lowRankBasis!;
  const n = fit.n;
  const out = new Float64Array(n).fill(1);
  for (const m of [vectors, complement]) for (let i = 0; i < n; i++) for (let j = 0; j < m.cols; j++) out[i]! -= m.data[i * m.cols + j]! ** 2;
  for (let from = 0; from < n; from += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - from);
    const y = gemm(rowBlock(inPoints, from, rows), inverseTransposed, { transB: true }).data;
    for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) out[from + i]! += y[i * width + j]! ** 2;
  }
  return out;
}

function looParts(fit: SpectralFit, z: Matrix64): LowRankLooParts {
  const cached = cache.get(fit);
  if (cached) return cached;
  const design = lowRankDesign(fit, z);
  const basis = looBasis(fit);
  const { r, s, k, qz, qzc, g } = design;
  // Ũ = [U_r, Q](E_r − Q_Z Gᵀ) and (I − H)u = [U_r, Q](I − Q_ZQ_Zᵀ)c, in one product.
  const vectorCoordinates = gemm(qz, g, { transB: true });
  for (let x = 0; x < vectorCoordinates.data.length; x++) vectorCoordinates.data[x] = -vectorCoordinates.data[x]!;
  for (let j = 0; j < r; j++) vectorCoordinates.data[j * r + j]! += 1;
  const along = gemm(qz, qzc);
  const targetCoordinates = new Matrix64(s, k);
  for (let x = 0; x < s * k; x++) targetCoordinates.data[x] = fit.residualProjections.data[x]! - along.data[x]!;
  const coordinates = hstack([vectorCoordinates, targetCoordinates]);
  const inPoints = basis.multiply(coordinates);
  const n = fit.n;
  const projectedVectors = new Matrix64(n, r);
  const projectedTargets = new Matrix64(n, k);
  for (let i = 0; i < n; i++) {
    projectedVectors.data.set(inPoints.data.subarray(i * (r + k), i * (r + k) + r), i * r);
    projectedTargets.data.set(inPoints.data.subarray(i * (r + k) + r, (i + 1) * (r + k)), i * k);
  }
  const parts = {
    design,
    basis,
    projectedVectors,
    residualLeverages: residualLeverages(fit, coordinates, inPoints, basis, qz),
    projectedTargets,
    scratch: new Float64Array(Math.min(ROW_BLOCK, n) * r),
  };
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
