import { seededPermutation, type Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork } from '@duality/ntk';
import { networkKernel, pickRows } from './kernel.js';

/** Rows the drift is measured on: enough for a relative Frobenius change to two digits, cheap at any n. */
export const DRIFT_ROWS = 500;

/** How far the network's NTK moved from θ0 to the stop: the premise of every statistic in the report. */
export interface KernelDrift {
  /** ‖Θ_stop − Θ_0‖_F / ‖Θ_0‖_F on `rows` training rows (all of them up to DRIFT_ROWS, else a seeded sample). */
  relativeChange: number;
  rows: number;
  note: string;
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
  const relativeChange = Math.sqrt(change / size);
  const percent = `${(100 * relativeChange).toPrecision(2)}%`;
  return {
    relativeChange,
    rows: rows.rows,
    note: `the network's NTK moved ${percent} from θ0 to the stop (relative Frobenius change on ${rows.rows} training rows): the kernel model's test, stops and curves describe this network while that stays small`,
  };
}
