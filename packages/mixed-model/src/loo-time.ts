import { MixedModelNumericalError } from './errors.js';
import { describeTime, evaluateLoo, usesDesign, type LooOptions, type LooPoint } from './loo.js';
import { timeScales, type TimeScales } from './reml.js';
import type { SpectralFit } from './spectral-fit.js';
import { logDecayFactors, type TrainingTime } from './training-time.js';

/** Where LOO(t) is smallest: at t = 0, inside the grid, or still decreasing at the largest time considered. */
export type LooOutcome = 'zero' | 'interior' | 'infinite';

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
  /** The grid as evaluated: continuous times (0 first) and LOO there. */
  grid: { times: Float64Array; values: Float64Array };
  usedDesign: boolean;
}

/** The grid spans [GRID_START/λ1, GRID_END/λ_small]: below it tλ ≤ 1e-3 everywhere, above it all has decayed by e^{−1000}. */
const GRID_START = 1e-3;
const GRID_END = 1e3;
const POINTS_PER_E_FOLD = 6;
/** Points per refinement round: one matrix product each round instead of one matrix-vector product per point. */
const REFINE_POINTS = 31;
/** The refinement stops when the bracket is this narrow in log t (t̂ to about 1e-6 relative). */
const RESOLUTION = 1e-6;
/**
 * A minimum below this fraction of LOO(0) is u fitted to working precision (a noise-free signal, where rounding
 * leaves a floor of order (nε)²·LOO(0) with minima of its own): the outcome is 'infinite', as REML's.
 */
const NOISE_FREE = 1e-20;
/** Grid values within this relative distance of the minimum count as ties (the smaller time wins, t = 0 first). */
const TIE = 1e-12;

/** Positions x on the axis searched: t itself, or whole steps k with t = ηk. */
interface TimeAxis {
  at(x: number): TrainingTime;
  continuous(x: number): number;
  grid: number[];
  /** The lower end of the bracket when the first grid point is the best. */
  below: number;
  /** Positions strictly inside (lo, hi) for one refinement round. */
  lattice(lo: number, hi: number): number[];
  resolved(lo: number, hi: number): boolean;
}

function logSpaced(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.exp(from + ((to - from) * i) / (count - 1)));
}

function gridCount(from: number, to: number): number {
  return Math.max(16, Math.ceil((to - from) * POINTS_PER_E_FOLD));
}

function continuousAxis(scales: TimeScales): TimeAxis {
  const from = Math.log(GRID_START * scales.shortest);
  const to = Math.log(GRID_END * scales.longest);
  const grid = logSpaced(from, to, gridCount(from, to));
  return {
    at: (x) => x,
    continuous: (x) => x,
    grid,
    below: grid[0]! * Math.exp(-10),
    lattice: (lo, hi) => logSpaced(Math.log(lo), Math.log(hi), REFINE_POINTS + 2).slice(1, -1),
    resolved: (lo, hi) => Math.log(hi / lo) <= RESOLUTION,
  };
}

/** Whole steps from 1 to GRID_END/(ηλ_small), log-spaced then rounded (consecutive integers where dense). */
function discreteAxis(scales: TimeScales, learningRate: number): TimeAxis {
  const to = Math.log(Math.max(2, Math.ceil((GRID_END * scales.longest) / learningRate)));
  const wholeSteps = (values: number[]) => [...new Set(values.map(Math.round))];
  return {
    at: (x) => ({ learningRate, steps: x }),
    continuous: (x) => learningRate * x,
    grid: wholeSteps(logSpaced(0, to, gridCount(0, to))),
    below: 0,
    lattice: (lo, hi) => {
      if (hi - lo - 1 <= REFINE_POINTS) return Array.from({ length: hi - lo - 1 }, (_, i) => lo + 1 + i);
      const inside = logSpaced(Math.log(lo + 1), Math.log(hi - 1), REFINE_POINTS);
      return wholeSteps(inside).filter((k) => k > lo && k < hi);
    },
    resolved: (lo, hi) => hi - lo <= 2,
  };
}

/**
 * 'zero' or 'infinite' when the grid's minimum ties t = 0 or the largest time, or is at rounding level (noise-free);
 * otherwise undefined.
 */
function boundaryOutcome(zeroValue: number, values: number[]): LooOutcome | undefined {
  const smallest = values.reduce((m, v) => Math.min(m, v), zeroValue);
  const tie = smallest + TIE * Math.abs(smallest);
  if (zeroValue <= tie) return 'zero';
  if (values[values.length - 1]! <= tie || smallest <= NOISE_FREE * zeroValue) return 'infinite';
  return undefined;
}

interface Located {
  x: number;
  value: number;
}

/**
 * Nested grids on the bracket (lo, hi) around `best`: each round evaluates REFINE_POINTS positions at once and keeps
 * the neighbours of the best point seen as the new bracket. Undetermined positions never become the best.
 */
function refine(axis: TimeAxis, values: (xs: number[]) => (number | undefined)[], lo: number, hi: number, best: Located): Located {
  for (let round = 0; round < 40 && !axis.resolved(lo, hi); round++) {
    const xs = axis.lattice(lo, hi);
    if (xs.length === 0) break;
    values(xs).forEach((v, i) => {
      if (v !== undefined && v < best.value) best = { x: xs[i]!, value: v };
    });
    lo = xs.reduce((m, x) => (x < best.x ? Math.max(m, x) : m), lo);
    hi = xs.reduce((m, x) => (x > best.x ? Math.min(m, x) : m), hi);
  }
  return best;
}

/** LOO at t = 0 and on the grid, up to (not including) the first grid time where it is undetermined. */
interface EvaluatedGrid {
  atZero: number;
  xs: number[];
  values: number[];
  truncated?: string;
}

function evaluateGrid(axis: TimeAxis, evaluate: (xs: number[]) => LooPoint[]): EvaluatedGrid {
  const [atZero, ...points] = evaluate([0, ...axis.grid]);
  if (!('value' in atZero!)) throw new MixedModelNumericalError(`leave-one-out at t = 0: ${atZero!.undetermined}`);
  const values: number[] = [];
  for (const point of points) {
    if (!('value' in point)) {
      const from = describeTime(axis.at(axis.grid[values.length]!));
      return { atZero: atZero.value, xs: axis.grid.slice(0, values.length), values, truncated: `from ${from} on: ${point.undetermined}` };
    }
    values.push(point.value);
  }
  return { atZero: atZero.value, xs: axis.grid, values };
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
  const scales = timeScales(fit);
  const axis = learningRate === undefined ? continuousAxis(scales) : discreteAxis(scales, learningRate);
  const evaluate = (xs: number[]) => evaluateLoo(fit, xs.map((x) => axis.at(x)), usedDesign);
  const { atZero, xs, values, truncated } = evaluateGrid(axis, evaluate);
  const last = values.length - 1;
  const common = {
    largestTime: last >= 0 ? axis.continuous(xs[last]!) : 0,
    truncated,
    grid: { times: Float64Array.from([0, ...xs.map(axis.continuous)]), values: Float64Array.from([atZero, ...values]) },
    usedDesign,
  };
  const steps = (k: number) => (learningRate === undefined ? undefined : k);
  const boundary = boundaryOutcome(atZero, values);
  if (boundary === 'zero') return { time: 0, steps: steps(0), outcome: 'zero', value: atZero, ...common };
  if (boundary === 'infinite') return { time: Infinity, steps: steps(Infinity), outcome: 'infinite', value: values[last]!, ...common };
  const bestIndex = values.indexOf(values.reduce((m, v) => Math.min(m, v), Infinity));
  const lo = bestIndex > 0 ? xs[bestIndex - 1]! : axis.below;
  const valuesAt = (positions: number[]) => evaluate(positions).map((point) => ('value' in point ? point.value : undefined));
  const best = refine(axis, valuesAt, lo, xs[bestIndex + 1]!, { x: xs[bestIndex]!, value: values[bestIndex]! });
  return { time: axis.continuous(best.x), steps: steps(best.x), outcome: 'interior', value: best.value, ...common };
}
