import { seededPermutation } from '@duality/linalg-core';
import { TrainerInputError } from './time.js';

/**
 * Rows per training step: 'auto' (default) picks by the time the run would take (`chooseBatchSize`), 'full' always
 * trains on every row, a number B trains on B rows per step (mini-batch SGD, math.md §7.2).
 */
export type BatchSize = 'auto' | 'full' | number;

/**
 * The 'auto' rule's settings: full batch while the run's estimated time fits `budgetSeconds`, else the largest power
 * of two (at least `minimum`) whose estimated run fits it. The minimum is measured (bench `minibatch`, 4,000 × 201):
 * at the rule's η = 1/λ1 the test loss at the stop was within 0.2% of full batch on average (0.5% at worst) at 256 rows,
 * 1.2% (3.6%) at 64, where η·λ_max of a batch kernel had already risen from 1.0 to 1.4 on its way to 2 (divergence).
 */
export const BATCH_DEFAULTS = { budgetSeconds: 120, minimum: 256 } as const;

/** The batch a run uses, and why, in a line a person reads (the report's `training.batchRule`). */
export interface BatchChoice {
  /** Rows per step (n for full batch). */
  size: number;
  full: boolean;
  rule: string;
}

/** Seconds per step as a + b·rows, from two measured step times (a: what a step costs whatever its rows). */
export interface StepCost {
  fixed: number;
  perRow: number;
}

export function checkedBatchSize(request: BatchSize | undefined): BatchSize {
  const value = request ?? 'auto';
  if (value === 'auto' || value === 'full' || (Number.isInteger(value) && value >= 1)) return value;
  throw new TrainerInputError(`batch size must be 'auto', 'full' or a positive integer, got ${String(value)}`);
}

function secondsText(s: number): string {
  return s < 120 ? `${s.toPrecision(2)} s` : `${(s / 60).toPrecision(2)} min`;
}

/**
 * The rows per step for a run of `steps` steps on `n` rows. Any batch size reaches the same time t = η·k in the
 * same k steps (math.md §7.2), so the choice only trades time against SGD's fluctuation: full batch while
 * k·cost(n) ≤ budget, else the largest power of two B (≥ `BATCH_DEFAULTS.minimum`) with k·cost(B) ≤ budget, or the
 * minimum when none fits.
 */
export function chooseBatchSize(
  request: BatchSize,
  run: { n: number; steps: number; cost?: StepCost },
  budgetSeconds: number = BATCH_DEFAULTS.budgetSeconds,
): BatchChoice {
  const { n, steps } = run;
  if (request === 'full' || n <= BATCH_DEFAULTS.minimum) return { size: n, full: true, rule: request === 'full' ? 'full batch (asked for)' : `full batch (${n} rows, no more than the smallest mini-batch)` };
  if (typeof request === 'number') {
    const size = Math.min(request, n);
    return { size, full: size === n, rule: size === n ? `full batch (asked for ${request} rows per step)` : `${size} rows per step (asked for)` };
  }
  const cost = run.cost;
  if (!cost || steps === 0) return { size: n, full: true, rule: 'full batch (no steps to time)' };
  const estimate = (rows: number) => steps * (cost.fixed + cost.perRow * rows);
  const full = estimate(n);
  if (full <= budgetSeconds) return { size: n, full: true, rule: `full batch: ${steps} steps ≈ ${secondsText(full)}, within the ${secondsText(budgetSeconds)} budget` };
  let size = 2 ** Math.floor(Math.log2(n - 1));
  while (size > BATCH_DEFAULTS.minimum && estimate(size) > budgetSeconds) size /= 2;
  const fits = estimate(size) <= budgetSeconds;
  return {
    size,
    full: false,
    rule:
      `${size} rows per step: full batch would take ≈ ${secondsText(full)} (${steps} steps), over the ${secondsText(budgetSeconds)} budget; ` +
      (fits ? `${size} is the largest power of two whose run fits (≈ ${secondsText(estimate(size))})` : `even ${size}, the smallest batch, takes ≈ ${secondsText(estimate(size))}`),
  };
}

/**
 * Batches of `size` row indices, uniform without replacement within an epoch: each epoch is a fresh seeded
 * permutation cut into ⌊n/size⌋ batches (the remainder is left out, so every step has exactly `size` rows and every
 * batch is a uniform draw: E[∇L_B] = ∇L, math.md §7.2).
 */
export class BatchSampler {
  private order: Int32Array = new Int32Array(0);
  private next = 0;
  private epoch = 0;

  constructor(
    private readonly n: number,
    readonly size: number,
    private readonly seed: number,
  ) {
    if (!(Number.isInteger(size) && size >= 1 && size <= n)) throw new TrainerInputError(`batch size must be an integer from 1 to the ${n} rows, got ${size}`);
  }

  /** The next batch's row indices (a view: valid until the next call). */
  nextBatch(): Int32Array {
    if (this.next + this.size > this.order.length) {
      this.order = Int32Array.from(seededPermutation(this.n, this.seed * 1_000_003 + this.epoch++));
      this.next = 0;
    }
    const batch = this.order.subarray(this.next, this.next + this.size);
    this.next += this.size;
    return batch;
  }
}
