import { qrTriangle, type Matrix64 } from '@duality/linalg-core';
import { TrainerInputError } from './time.js';

/*
 * Fixed effects 'linear' (math.md §7.3): an intercept and every feature column, so that the test of t = 0 asks
 * whether the network's kernel explains what a linear model leaves, and the trained predictor is the linear part
 * x*ᵀβ̂(t̂) plus the network trained on the rest.
 */

/** The design [1, x] less the feature columns the intercept and earlier features span. */
export interface LinearDesign {
  /** [1, x_kept] (n×p), p = 1 + kept features (after the fit dropped columns: formed on first read). */
  readonly design: Matrix64;
  /** Indices (into x's columns) of the features kept, ascending. */
  kept: number[];
  /** Indices of the features dropped: each is (numerically) a combination of the intercept and earlier features. */
  dropped: number[];
}

/**
 * The fewest residual degrees of freedom m = n − p the beyond-linear test accepts: m ≥ max(MIN_RESIDUAL_DF, p).
 * Why m ≥ p: the test sees only the m directions the linear model leaves; when they are fewer than the p it spends,
 * the linear model has interpolated half the rows or more and the null weights (eigenvalues of QᵀΘQ) come from a
 * kernel squeezed into a space smaller than the one removed, so a rejection says little about the network. Why
 * m ≥ 50: the test's power grows with m (its null spread is of order √(2/ν), ν = (tr M)²/tr M² ≤ m), and below
 * 50 directions a network-sized signal is rarely detectable at α = 0.05 however real.
 */
export const MIN_RESIDUAL_DF = 50;

/** Relative size of R_jj below which a column is taken as spanned by the ones before it (fitSpectral's rule). */
const DEPENDENT_COLUMN = 1e-10;

/** [1, x restricted to `columns`] (rows × (1 + columns.length)). */
export function interceptAndColumns(x: Matrix64, columns: readonly number[]): Matrix64 {
  const out = x.selectColumns(columns, 1);
  for (let i = 0; i < x.rows; i++) out.data[i * out.cols] = 1;
  return out;
}

/**
 * The linear design of the training inputs: R of one thin QR of [1, x] (O(n d²), LAPACK's dgeqrf) finds the columns that
 * the intercept and earlier features span (one-hot levels that sum to the intercept, duplicated columns), which are
 * dropped; then the residual degrees of freedom are checked (`MIN_RESIDUAL_DF`). Throws a {@link TrainerInputError}
 * naming n, p and the fix when too few are left.
 */
export function linearDesign(x: Matrix64): LinearDesign {
  let design = designs.get(x);
  if (!design) {
    design = uncachedLinearDesign(x);
    designs.set(x, design);
  }
  return design;
}

/**
 * The check before the kernel (which at large n takes minutes): a design too wide for the beyond-linear test is
 * refused. [1, x] is factored here only when all its columns together leave too few residual degrees of freedom
 * (dropping the dependent ones might bring it back); otherwise the fit finds the dependent columns on its own QR.
 */
export function checkLinearDesignSize(x: Matrix64): void {
  const n = x.rows;
  const p = x.cols + 1;
  if (n - p < Math.max(MIN_RESIDUAL_DF, p)) linearDesign(x);
}

/** [1, x] with every feature: what the fit factors, leaving out the columns the earlier ones span. */
export function fullLinearDesign(x: Matrix64): LinearDesign {
  return { design: interceptAndColumns(x, Array.from({ length: x.cols }, (_, j) => j)), kept: Array.from({ length: x.cols }, (_, j) => j), dropped: [] };
}

/** The linear design restricted to the design columns a fit kept (`fit.designColumns`: 0 the intercept, j + 1 feature j). */
export function keptLinearDesign(x: Matrix64, full: LinearDesign, columns: Int32Array): LinearDesign {
  const kept = Array.from(columns).filter((c) => c > 0).map((c) => c - 1);
  if (kept.length === x.cols) return full;
  const dropped = Array.from({ length: x.cols }, (_, j) => j).filter((j) => !kept.includes(j));
  if (x.rows - (kept.length + 1) < Math.max(MIN_RESIDUAL_DF, kept.length + 1)) refuse(x.rows, kept.length + 1, dropped.length);
  // Only training reads it (the linear part it trains beside): an analysis never copies n×p cells (2 s at 40,000 × 2,934).
  let design: Matrix64 | undefined;
  return {
    get design() {
      return (design ??= interceptAndColumns(x, kept));
    },
    kept,
    dropped,
  };
}

/** One QR per input matrix: the analysis checks the design before the kernel and builds the fit with it after. */
const designs = new WeakMap<Matrix64, LinearDesign>();

function uncachedLinearDesign(x: Matrix64): LinearDesign {
  const n = x.rows;
  const d = x.cols;
  // A thin QR needs rows ≥ columns; a design that wide leaves no residual degrees of freedom anyway.
  if (d + 1 >= n) refuse(n, d + 1, 0);
  const p = d + 1;
  const full = interceptAndColumns(x, Array.from({ length: d }, (_, j) => j));
  const r = qrTriangle(full);
  let largest = 0;
  for (let j = 0; j < p; j++) largest = Math.max(largest, Math.abs(r.data[j * p + j]!));
  const kept: number[] = [];
  const dropped: number[] = [];
  for (let j = 1; j < p; j++) (Math.abs(r.data[j * p + j]!) > DEPENDENT_COLUMN * largest ? kept : dropped).push(j - 1);
  if (n - (kept.length + 1) < Math.max(MIN_RESIDUAL_DF, kept.length + 1)) refuse(n, kept.length + 1, dropped.length);
  return { design: dropped.length === 0 ? full : interceptAndColumns(x, kept), kept, dropped };
}

function refuse(n: number, p: number, dropped: number): never {
  const m = n - p;
  const needed = Math.max(MIN_RESIDUAL_DF, p);
  const spanned = dropped > 0 ? ` (${dropped} more feature${dropped === 1 ? '' : 's'} dropped as combinations of the others)` : '';
  throw new TrainerInputError(
    `fixed effects linear: n = ${n} training rows and p = ${p} columns (an intercept and ${p - 1} features${spanned}) leave ` +
      `m = n − p = ${m} residual degrees of freedom; the beyond-linear test needs m ≥ max(${MIN_RESIDUAL_DF}, p) = ${needed}. ` +
      'Use fewer features (--features) or --fixed-effects intercept',
  );
}
