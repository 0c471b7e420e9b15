import { looMinimum, usesDesign, type LooOptions } from './loo.js';
import { searchRefinePoints } from './low-rank-design.js';
import type { SpectralFit } from './spectral-fit.js';
import type { GridMinimum, GridOutcome } from './time-grid.js';
import { logDecayFactors } from './training-time.js';

/** Where LOO(t) is smallest: at t = 0, inside the grid, or still decreasing at the largest time considered. */
export type LooOutcome = GridOutcome;

export interface LooTimeOptions extends LooOptions {
  /** Discrete time: gradient descent with this learning rate; the result is a whole number of steps. */
  learningRate?: number;
}

export interface LooStoppingTime {
  /** t̂ in continuous time (η·k̂ in discrete time): 0, finite, or Infinity ('infinite'). */
  time: number;
  /** k̂, a whole number of steps (or Infinity), when a learning rate was given. */
  steps?: number;
  outcome: LooOutcome;
  /** LOO(t̂); with 'infinite', LOO at the largest time considered. */
  value: number;
  /** The largest (continuous) time on the grid at which LOO was determined. */
  largestTime: number;
  /** Why the grid stopped before its planned end: a LOO residual 0/0 at working precision from that time on. */
  truncated?: string;
  /** The grid as evaluated: continuous times (0 first), steps with a learning rate, and LOO there. */
  grid: GridMinimum['grid'];
  usedDesign: boolean;
}

/**
 * The LOO stopping time: argmin over t ≥ 0 of LOO(t) (math.md §4), continuous or (with `learningRate`) in whole
 * steps. A log grid from 1e-3/λ1 to 1e3/λ_small (λ_small the smallest eigenvalue ≥ 1e-8·λ1; in steps, from 1 to
 * that time over η), 6 points per e-fold, each batch of times one matrix product; then nested grids in the cells
 * on either side of the best grid point until t̂ is known to 1e-6 relative (or to the step). Outcomes: 'zero' when
 * nothing on the grid beats t = 0, 'infinite' when LOO is still decreasing (or flat at its minimum) at the largest
 * time considered or falls to rounding level (u fitted to working precision), else 'interior'. The grid stops
 * before the first time where a LOO residual is 0/0 at working precision (`truncated` says why): those times are
 * never compared. Throws {@link MixedModelNumericalError} when LOO is undetermined already at t = 0.
 */
export function looTime(fit: SpectralFit, options: LooTimeOptions = {}): LooStoppingTime {
  const usedDesign = usesDesign(fit, options);
  const { learningRate } = options;
  if (learningRate !== undefined) logDecayFactors(fit.eigenvalues, { learningRate, steps: 0 }); // validates η
  const refinePoints = searchRefinePoints(fit, usedDesign ? fit.designProjections : undefined);
  return { ...looMinimum(fit, usedDesign, { learningRate, refinePoints }), usedDesign };
}
