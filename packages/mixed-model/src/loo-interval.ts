import { MixedModelInputError } from './errors.js';
import { looResiduals, type LooOptions } from './loo.js';
import type { SpectralFit } from './spectral-fit.js';
import type { TrainingTime } from './training-time.js';

/** Half-widths of the leave-one-out (jackknife) prediction interval f(x*) ± q at one stop, per output. */
export interface LooInterval {
  /** Nominal coverage 1 − α. */
  level: number;
  /** q_j: the ⌈level·(n + 1)⌉-th smallest |r_ij^loo| for output j (Infinity when that rank exceeds n). */
  halfWidths: Float64Array;
  /** ⌈level·(n + 1)⌉: which order statistic q is. */
  rank: number;
  n: number;
}

function checkedLevel(level: number): number {
  if (!(level > 0 && level < 1)) throw new MixedModelInputError(`interval level must be in (0, 1), got ${level}; e.g. 0.9 for 90% intervals`);
  return level;
}

/**
 * The ⌈level·(n + 1)⌉-th smallest of n values (the split-conformal quantile, math.md §7.4): with exchangeable
 * errors a new |error| falls at or below it with probability ≥ level. Infinity when the rank exceeds n (too few
 * values for that level: n < level/(1 − level)).
 */
export function conformalQuantile(values: ArrayLike<number>, level: number): number {
  checkedLevel(level);
  const sorted = Float64Array.from(values).sort();
  if (sorted.some((v) => Number.isNaN(v))) throw new MixedModelInputError('conformalQuantile: a value is NaN');
  const rank = Math.ceil(level * (sorted.length + 1) - 1e-9);
  return rank > sorted.length ? Infinity : sorted[rank - 1]!;
}

/**
 * The jackknife interval of math.md §7.4 at a stop: q_j = the ⌈level(n + 1)⌉-th smallest |r_ij^loo(t)| over the
 * training rows, from the exact leave-one-out residuals of the random-effects model (no refits). The interval is
 * f(x*) ± q_j, in the units of the targets the fit was given. Needs eigenvectors, as {@link looResiduals} does.
 */
export function looIntervalHalfWidths(fit: SpectralFit, time: TrainingTime, level = 0.9, options: LooOptions = {}): LooInterval {
  checkedLevel(level);
  const residuals = looResiduals(fit, time, options);
  const { rows: n, cols: k } = residuals;
  const halfWidths = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    halfWidths[j] = conformalQuantile(Array.from({ length: n }, (_, i) => Math.abs(residuals.get(i, j))), level);
  }
  return { level, halfWidths, rank: Math.ceil(level * (n + 1) - 1e-9), n };
}
