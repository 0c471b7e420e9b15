import { seededPermutation, type Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork } from '@duality/ntk';
import { networkKernel, pickRows } from './kernel.js';

/** Rows the drift is measured on: enough for a relative Frobenius change to two digits, cheap at any n. */
export const DRIFT_ROWS = 500;

/**
 * Past this relative change the network has left the kernel regime: the report says its stop is approximate. Bench
 * `drift-stop` (BENCHMARKS.md, 2026-12-07): the 16-wide networks of cars and gapminder drift 0.18–1.2 (5 of 6 runs
 * above 0.25), the 64-wide 0.06–0.20, the trainer's default 0.03–0.08; the drift did not predict the gap to
 * validation early stopping (Spearman ρ = 0.02), so the limit marks where the statistics' premise is gone, not a
 * measured loss.
 */
export const DRIFT_LIMIT = 0.25;

/** How far the network's NTK moved from θ0 to the stop: the premise of every statistic in the report. */
export interface KernelDrift {
  /** ‖Θ_stop − Θ_0‖_F / ‖Θ_0‖_F on `rows` training rows (all of them up to DRIFT_ROWS, else a seeded sample). */
  relativeChange: number;
  rows: number;
  /** relativeChange > DRIFT_LIMIT: the network left the kernel regime and the rule's stop is approximate. */
  leftKernelRegime: boolean;
  note: string;
}

/** The drift judged: within the kernel regime, or past DRIFT_LIMIT with what to try. */
export function judgedDrift(relativeChange: number, rows: number): KernelDrift {
  const percent = `${(100 * relativeChange).toPrecision(2)}%`;
  const moved = `the network's NTK moved ${percent} from θ0 to the stop (relative Frobenius change on ${rows} training rows)`;
  const leftKernelRegime = relativeChange > DRIFT_LIMIT;
  const note = leftKernelRegime
    ? `${moved}, past ${100 * DRIFT_LIMIT}%: the network left the kernel regime, so the test, the stop and the interval ` +
      `(computed for the kernel at θ0) are approximate; try a wider network (--hidden) or a smaller learning rate, and ` +
      `check the stop with --compare validation`
    : `${moved}: the kernel model's test, stops and curves describe this network while that stays small (below ${100 * DRIFT_LIMIT}%)`;
  return { relativeChange, rows, leftKernelRegime, note };
}

function sampledRows(x: Matrix64, seed: number): Matrix64 {
  return x.rows <= DRIFT_ROWS ? x : pickRows(x, seededPermutation(x.rows, seed).slice(0, DRIFT_ROWS));
}

/**
 * The empirical NTK at the initial and at the trained weights on the same rows. The test, the stopping rules and the
 * kernel model's curves are exact for the kernel they were computed on (math.md §0: the network's at θ0, or its
 * infinite-width limit, which θ0's approximates); they describe the trained network while this change is small,
 * and past it the network has learnt features of its own (bench `real`: 10% better than its kernel model on gapminder).
 */
export async function kernelDrift(initial: DenseNetwork, trained: DenseNetwork, x: Matrix64, seed: number): Promise<KernelDrift> {
  const rows = sampledRows(x, seed);
  const before = (await networkKernel(initial, rows, undefined, 'empirical')).theta.data;
  const after = (await networkKernel(trained, rows, undefined, 'empirical')).theta.data;
  let change = 0;
  let size = 0;
  before.forEach((v, i) => {
    change += (after[i]! - v) ** 2;
    size += v * v;
  });
  return judgedDrift(Math.sqrt(change / size), rows.rows);
}
