import { MixedModelNumericalError } from './errors.js';
import type { SpectralFit } from './spectral-fit.js';
import type { TrainingTime } from './training-time.js';

/*
 * The one search every stopping time goes through (LOO, GCV, REML's curve, the oracle): a log grid over the
 * spectrum's time scales, then nested grids around the best point. One grid means every rule's criterion is
 * evaluated at the same times (or whole steps), so the rules' curves can be drawn and compared point for point.
 */

/** Where a criterion is smallest: at t = 0, inside the range, or still decreasing at its largest time. */
export type GridOutcome = 'zero' | 'interior' | 'infinite';

/** A criterion at one time, or why it is not determined there at working precision. */
/**
 * A criterion at one time; or why it is not determined there at working precision; or, for a criterion costly to
 * evaluate, a proven lower bound above the batch's smallest value (the time cannot be the minimum, so it was not
 * evaluated: such times bracket the refinement but are left out of the curve).
 */
export type GridPoint = { value: number } | { undetermined: string } | { atLeast: number };

/** A batch criterion: one value per time (a batch is one matrix product for LOO). */
export type BatchCriterion = (times: TrainingTime[]) => GridPoint[];

export interface TimeGridOptions {
  /** Discrete time: gradient descent with this learning rate; positions are whole steps k, t = η·k. */
  learningRate?: number;
  /**
   * The largest admissible (continuous) time (GCV: where n − edf falls to 1). A minimum at it is reported there
   * ('interior': the range ends, the criterion does not), never as 'infinite'.
   */
  largestTime?: number;
  /**
   * Points per refinement round (default REFINE_POINTS): one batch per round suits criteria evaluated in one matrix
   * product. A criterion that costs a solve per time (LOO, GCV and REML with a wide design on a low-rank fit:
   * `searchRefinePoints`) takes 1: on whole steps the vertex of the parabola through the bracket and its best point
   * (Brent's safeguard against creeping), then the neighbours that certify the step; otherwise, and in continuous
   * time, the golden-section point in the wider side of the bracket, which shrinks it by 0.618 per evaluation.
   */
  refinePoints?: number;
}

export interface GridMinimum {
  /** t̂ in continuous time (η·k̂ in discrete time): 0, finite, or Infinity ('infinite'). */
  time: number;
  /** k̂, a whole number of steps (or Infinity), when a learning rate was given. */
  steps?: number;
  outcome: GridOutcome;
  /** The criterion at t̂; with 'infinite', at the largest time considered. */
  value: number;
  /** The largest (continuous) time on the grid at which the criterion was determined. */
  largestTime: number;
  /** Why the grid stopped before its planned end: the criterion undetermined from that time on. */
  truncated?: string;
  /** The grid as evaluated: continuous times (0 first), steps with a learning rate, and the criterion there. */
  grid: { times: Float64Array; steps?: Float64Array; values: Float64Array };
}

/** The grid spans [GRID_START/λ1, GRID_END/λ_small]: below it tλ ≤ 1e-3 everywhere, above it all has decayed by e^{−1000}. */
const GRID_START = 1e-3;
const GRID_END = 1e3;
const POINTS_PER_E_FOLD = 6;
/** Points per refinement round by default: one batch instead of one evaluation per point. */
const REFINE_POINTS = 31;
/** 1 − 1/φ: a golden-section probe sits this fraction into the wider side of the bracket. */
const GOLDEN = (3 - Math.sqrt(5)) / 2;
/**
 * Refinement rounds at most: golden-section steps from the widest bracket (10 e-folds, below the grid) to RESOLUTION
 * take 34.
 */
const MAX_ROUNDS = 40;
/** The refinement stops when the bracket is this narrow in log t (t̂ to about 1e-6 relative). */
const RESOLUTION = 1e-6;
/**
 * A minimum below this fraction of its value at 0 is u fitted to working precision (a noise-free signal, where
 * rounding leaves a floor with minima of its own): the outcome is 'infinite', as REML's.
 */
const NOISE_FREE = 1e-20;
/** Grid values within this relative distance of the minimum count as ties (the smaller time wins, t = 0 first). */
const TIE = 1e-12;

/** Positions x on the axis searched: t itself, or whole steps k with t = ηk. */
export interface TimeAxis {
  at(x: number): TrainingTime;
  continuous(x: number): number;
  grid: number[];
  /** The lower end of the bracket when the first grid point is the best. */
  below: number;
  /** Positions strictly inside (lo, hi) for one refinement round. */
  lattice(lo: number, hi: number): number[];
  /** The golden-section position in the wider side of (lo, best) and (best, hi), or undefined when neither has room. */
  probe(lo: number, best: number, hi: number): number | undefined;
  /** On whole steps: the step nearest x (a parabola's vertex becomes a probe); absent in continuous time. */
  snap?: (x: number) => number;
  resolved(lo: number, hi: number): boolean;
  /** Whether the grid ends at `largestTime` rather than at its planned end. */
  cut: boolean;
}

function logSpaced(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.exp(from + ((to - from) * i) / (count - 1)));
}

function gridCount(from: number, to: number): number {
  return Math.max(16, Math.ceil((to - from) * POINTS_PER_E_FOLD));
}

/** Positive time scales of the spectrum: [1/λ1, 1/λ_small] with λ_small ≥ 1e-8·λ1. */
export interface TimeScales {
  shortest: number;
  longest: number;
}

export function timeScales(fit: SpectralFit): TimeScales {
  let top = 0;
  for (const v of fit.eigenvalues) top = Math.max(top, v);
  let small = top;
  for (const v of fit.eigenvalues) if (v >= 1e-8 * top) small = Math.min(small, v);
  return { shortest: 1 / top, longest: 1 / small };
}

/** The planned grid up to `limit` (a prefix of it, so every rule shares its points), ending at `limit` when cut. */
function cutAt(planned: number[], limit: number): { grid: number[]; cut: boolean } {
  const grid = planned.filter((x) => x <= limit);
  const cut = grid.length < planned.length;
  if (cut && grid.length > 0 && grid[grid.length - 1]! < limit) grid.push(limit);
  return { grid, cut };
}

function continuousAxis(scales: TimeScales, largestTime: number, refinePoints: number): TimeAxis {
  const from = Math.log(GRID_START * scales.shortest);
  const to = Math.log(GRID_END * scales.longest);
  const { grid, cut } = cutAt(logSpaced(from, to, gridCount(from, to)), largestTime);
  return {
    at: (x) => x,
    continuous: (x) => x,
    grid,
    below: Math.exp(from - 10),
    lattice: (lo, hi) => logSpaced(Math.log(lo), Math.log(hi), refinePoints + 2).slice(1, -1),
    probe: (lo, best, hi) => {
      const [below, above] = [Math.log(best / lo), Math.log(hi / best)];
      return best * Math.exp(above >= below ? GOLDEN * above : -GOLDEN * below);
    },
    resolved: (lo, hi) => Math.log(hi / lo) <= RESOLUTION,
    cut,
  };
}

/** Whole steps from 1 to GRID_END/(ηλ_small), log-spaced then rounded (consecutive integers where dense). */
function discreteAxis(scales: TimeScales, learningRate: number, largestTime: number, refinePoints: number): TimeAxis {
  const to = Math.log(Math.max(2, Math.ceil((GRID_END * scales.longest) / learningRate)));
  const wholeSteps = (values: number[]) => [...new Set(values.map(Math.round))];
  const { grid, cut } = cutAt(wholeSteps(logSpaced(0, to, gridCount(0, to))), Math.floor(largestTime / learningRate));
  return {
    at: (x) => ({ learningRate, steps: x }),
    continuous: (x) => learningRate * x,
    grid,
    below: 0,
    lattice: (lo, hi) => {
      if (hi - lo - 1 <= refinePoints) return Array.from({ length: Math.max(0, hi - lo - 1) }, (_, i) => lo + 1 + i);
      // A full round spans the bracket's inner steps; a few points split it evenly in log (lo + 1 and hi − 1 would
      // shrink it by one step a round).
      const inside =
        refinePoints >= REFINE_POINTS
          ? logSpaced(Math.log(lo + 1), Math.log(hi - 1), refinePoints)
          : logSpaced(Math.log(lo), Math.log(hi), refinePoints + 2).slice(1, -1);
      return wholeSteps(inside).filter((k) => k > lo && k < hi);
    },
    probe: (lo, best, hi) => {
      const [below, above] = [best - lo, hi - best];
      if (Math.max(below, above) < 2) return undefined;
      return above >= below ? best + Math.max(1, Math.round(GOLDEN * above)) : best - Math.max(1, Math.round(GOLDEN * below));
    },
    snap: Math.round,
    resolved: (lo, hi) => hi - lo <= 2,
    cut,
  };
}

/** The search axis of a fit: continuous t, or whole steps at a learning rate. */
export function timeAxis(fit: SpectralFit, options: TimeGridOptions = {}): TimeAxis {
  const scales = timeScales(fit);
  const largest = options.largestTime ?? Infinity;
  const points = options.refinePoints ?? REFINE_POINTS;
  return options.learningRate === undefined ? continuousAxis(scales, largest, points) : discreteAxis(scales, options.learningRate, largest, points);
}

/**
 * 'zero' or 'infinite' when the grid's minimum ties t = 0 or the largest time, or is at rounding level (noise-free);
 * otherwise undefined. A grid cut at `largestTime` never ends in 'infinite' by a tie at its end.
 */
function boundaryOutcome(zeroValue: number, values: number[], cut: boolean): GridOutcome | undefined {
  // NaN marks a time bounded away from the minimum (never 'value' there): it neither is the minimum nor ties it.
  const smallest = values.reduce((m, v) => (v < m ? v : m), zeroValue);
  const tie = smallest + TIE * Math.abs(smallest);
  if (zeroValue <= tie) return 'zero';
  if ((!cut && values[values.length - 1]! <= tie) || smallest <= NOISE_FREE * zeroValue) return 'infinite';
  return undefined;
}

interface Located {
  x: number;
  value: number;
}

/** The vertex of the parabola through three points (a < b < c, f(b) at most f(a) and f(c)), or undefined if flat. */
function parabolaVertex(a: Located, b: Located, c: Located): number | undefined {
  const left = (b.x - a.x) * (b.value - c.value);
  const right = (b.x - c.x) * (b.value - a.value);
  // Negative for a bracketed minimum (left ≤ 0 ≤ right); zero when the three values are equal.
  const denominator = 2 * (left - right);
  if (!(denominator < 0)) return undefined;
  return b.x - ((b.x - a.x) * left - (b.x - c.x) * right) / denominator;
}

/**
 * The one probe of a round. On whole steps, where the bracket's ends have values, the vertex of the parabola through
 * them and the best point (a smooth criterion's minimum to within a few steps after one or two), taken only while it
 * moves less than half the move before last (Brent's safeguard against creeping); when the vertex is the best step
 * itself, the neighbour that certifies it. Otherwise the golden-section point.
 */
function oneProbe(axis: TimeAxis, lo: number, best: Located, hi: number, seen: Map<number, number | undefined>, moves: number[]): number | undefined {
  const [low, high] = [seen.get(lo), seen.get(hi)];
  if (axis.snap && low !== undefined && high !== undefined) {
    const vertex = parabolaVertex({ x: lo, value: low }, best, { x: hi, value: high });
    if (vertex !== undefined) {
      const k = axis.snap(vertex);
      const move = Math.abs(k - best.x);
      if (move === 0) return hi - best.x > 1 ? best.x + 1 : best.x - lo > 1 ? best.x - 1 : undefined;
      if (k > lo && k < hi && !seen.has(k) && move < (moves[moves.length - 2] ?? hi - lo) / 2) return k;
    }
  }
  return axis.probe(lo, best.x, hi);
}

/**
 * Nested grids on the bracket (lo, hi) around `best`: each round evaluates the lattice's positions at once (or, with
 * one point per round, one probe: `oneProbe`) and keeps the neighbours of the best point seen, among those evaluated
 * and the previous best, as the new bracket. Undetermined positions never become the best. `seen` holds the values
 * known so far (undefined where only bounded or undetermined), the bracket's ends among them.
 */
function refine(axis: TimeAxis, values: (xs: number[]) => (number | undefined)[], lo: number, hi: number, best: Located, refinePoints: number, seen: Map<number, number | undefined>): Located {
  const moves: number[] = [];
  for (let round = 0; round < MAX_ROUNDS && !axis.resolved(lo, hi); round++) {
    const probe = refinePoints === 1 ? oneProbe(axis, lo, best, hi, seen, moves) : undefined;
    const xs = refinePoints === 1 ? (probe === undefined ? [] : [probe]) : axis.lattice(lo, hi);
    if (xs.length === 0) break;
    if (probe !== undefined) moves.push(Math.abs(probe - best.x));
    const known = [best.x, ...xs];
    values(xs).forEach((v, i) => {
      seen.set(xs[i]!, v);
      if (v !== undefined && v < best.value) best = { x: xs[i]!, value: v };
    });
    lo = known.reduce((m, x) => (x < best.x ? Math.max(m, x) : m), lo);
    hi = known.reduce((m, x) => (x > best.x ? Math.min(m, x) : m), hi);
  }
  return best;
}

/** The criterion at t = 0 and on the grid, up to (not including) the first grid time where it is undetermined. */
interface EvaluatedGrid {
  atZero: number;
  xs: number[];
  values: number[];
  truncated?: string;
}

function evaluateGrid(axis: TimeAxis, evaluate: (xs: number[]) => GridPoint[], describe: (x: number) => string): EvaluatedGrid {
  const [atZero, ...points] = evaluate([0, ...axis.grid]);
  if (!('value' in atZero!)) throw new MixedModelNumericalError(`the criterion at t = 0: ${'undetermined' in atZero! ? atZero.undetermined : 'not evaluated'}`);
  const values: number[] = [];
  for (const point of points) {
    if ('undetermined' in point) {
      const from = describe(axis.grid[values.length]!);
      return { atZero: atZero.value, xs: axis.grid.slice(0, values.length), values, truncated: `from ${from} on: ${point.undetermined}` };
    }
    values.push('value' in point ? point.value : Number.NaN);
  }
  return { atZero: atZero.value, xs: axis.grid, values };
}

/**
 * argmin over t ≥ 0 of a criterion (math.md §2, §4), continuous or (with `learningRate`) in whole steps: a log grid
 * from 1e-3/λ1 to 1e3/λ_small (λ_small the smallest eigenvalue ≥ 1e-8·λ1; in steps, from 1 to that time over η),
 * 6 points per e-fold, then nested grids in the cells on either side of the best grid point until t̂ is known to 1e-6
 * relative (or to the step). Outcomes: 'zero' when nothing on the grid beats t = 0, 'infinite' when the criterion is
 * still decreasing (or flat at its minimum) at the largest time considered or falls to rounding level, else
 * 'interior'. The grid stops before the first time where the criterion is undetermined (`truncated` says why).
 */
export function minimiseOnTimeGrid(fit: SpectralFit, criterion: BatchCriterion, options: TimeGridOptions = {}): GridMinimum {
  const axis = timeAxis(fit, options);
  const { learningRate } = options;
  const describe = (x: number) => (learningRate === undefined ? `t = ${x}` : `k = ${x} steps (η = ${learningRate})`);
  const evaluate = (xs: number[]) => criterion(xs.map((x) => axis.at(x)));
  const { atZero, xs, values, truncated } = evaluateGrid(axis, evaluate, describe);
  const last = values.length - 1;
  const kept = xs.map((_, i) => i).filter((i) => !Number.isNaN(values[i]!));
  const grid = {
    times: Float64Array.from([0, ...kept.map((i) => axis.continuous(xs[i]!))]),
    ...(learningRate === undefined ? {} : { steps: Float64Array.from([0, ...kept.map((i) => xs[i]!)]) }),
    values: Float64Array.from([atZero, ...kept.map((i) => values[i]!)]),
  };
  const common = { largestTime: last >= 0 ? axis.continuous(xs[last]!) : 0, ...(truncated ? { truncated } : {}), grid };
  const steps = (k: number) => (learningRate === undefined ? {} : { steps: k });
  const boundary = values.length === 0 ? 'zero' : boundaryOutcome(atZero, values, axis.cut);
  if (boundary === 'zero') return { time: 0, ...steps(0), outcome: 'zero', value: atZero, ...common };
  if (boundary === 'infinite') return { time: Infinity, ...steps(Infinity), outcome: 'infinite', value: values[last]!, ...common };
  const bestIndex = values.indexOf(values.reduce((m, v) => (v < m ? v : m), Infinity));
  const lo = bestIndex > 0 ? xs[bestIndex - 1]! : axis.below;
  const hi = bestIndex < last ? xs[bestIndex + 1]! : xs[last]!;
  const valuesAt = (positions: number[]) => evaluate(positions).map((point) => ('value' in point ? point.value : undefined));
  const seen = new Map<number, number | undefined>([[axis.below, axis.below === 0 ? atZero : undefined]]);
  xs.forEach((x, i) => seen.set(x, Number.isNaN(values[i]!) ? undefined : values[i]));
  const best = refine(axis, valuesAt, lo, hi, { x: xs[bestIndex]!, value: values[bestIndex]! }, options.refinePoints ?? REFINE_POINTS, seen);
  return { time: axis.continuous(best.x), ...steps(best.x), outcome: 'interior', value: best.value, ...common };
}

/** A pointwise criterion as a batch one (criteria with no batched form: GCV, REML's profile, the oracle's risk). */
export function pointwise(criterion: (time: TrainingTime) => number): BatchCriterion {
  return (times) =>
    times.map((time) => {
      const value = criterion(time);
      return Number.isFinite(value) ? { value } : { undetermined: `the criterion is ${value}` };
    });
}
