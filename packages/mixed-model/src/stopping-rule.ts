import { MixedModelInputError } from './errors.js';
import { looMinimum, usesDesign } from './loo.js';
import { searchRefinePoints } from './low-rank-design.js';
import { gcvCriterion, interpolationTime } from './path.js';
import { profileEvaluator, remlStoppingTime, type RemlStoppingTime } from './reml.js';
import type { SpectralFit } from './spectral-fit.js';
import { minimiseOnTimeGrid, timeAxis, type GridMinimum, type GridOutcome, type TimeGridOptions } from './time-grid.js';
import { logDecayFactors } from './training-time.js';

/** The stage-2 rules (math.md §2, §4): exact leave-one-out of the random-effects model, REML (the paper's), GCV. */
export const STAGE_TWO_RULES = ['loo', 'reml', 'gcv'] as const;
export type StageTwoRuleName = (typeof STAGE_TWO_RULES)[number];

/**
 * The rule used when none is named: exact leave-one-out (issue 16's criterion, BENCHMARKS.md "The default stage-2
 * rule": the lowest pooled out-of-sample risk among the rules never worse than REML by more than 3% in a cell; GCV
 * stops at ~10¹¹ steps on repeated inputs, which break its average leverage).
 */
export const DEFAULT_STAGE_TWO_RULE: StageTwoRuleName = 'loo';

/** What each rule's `curve.values` hold: the criterion it minimises. */
export const RULE_CRITERIA: Record<StageTwoRuleName, string> = {
  loo: 'LOO(t), the mean squared exact leave-one-out residual',
  reml: '−ℓ_R(t), the negative profile (restricted) log-likelihood',
  gcv: 'GCV(t) = n‖e^{−tΘ}u‖²/(n − edf)²',
};

export interface StageTwoRuleOptions {
  /**
   * Gradient descent at this learning rate: stops in whole steps. The search runs in discrete time (1 − ηλ)^k where
   * that model is defined (ηλ1 < 1), else in continuous time t = η·k with the steps rounded.
   */
  learningRate?: number;
  /** Most steps training takes (with `learningRate`): a longer or infinite stop is capped here and marked. */
  maxSteps?: number;
  /** LOO and GCV: use the fit's design (default: whenever the fit has one). A network's path has none. */
  useDesign?: boolean;
  /** REML: use the fit's design (default: `useDesign`). */
  remlUsesDesign?: boolean;
  /** REML's result when the caller has it already (the decision computes it for its report). */
  reml?: RemlStoppingTime;
}

/** Where training stops by a rule: its own stop, or the cap. */
export interface RuleStop {
  /** Continuous time t = η·k (0, finite, or Infinity only without a cap). */
  time: number;
  /** Whole steps, with a learning rate. */
  steps?: number;
}

/** One stage-2 rule on one fit: its criterion over the shared time grid, its stop, its outcome, and the cap. */
export interface StageTwoRule {
  name: StageTwoRuleName;
  /** The criterion minimised over the grid (`RULE_CRITERIA`): 0 first, continuous times, steps with a learning rate. */
  curve: GridMinimum['grid'];
  /** 'zero': stop at t = 0; 'interior': a finite optimum; 'infinite': still improving at the largest time. */
  outcome: GridOutcome;
  /** The rule's own stop, uncapped (Infinity with 'infinite'). */
  time: number;
  steps?: number;
  /** The criterion at the stop (with 'infinite', at the largest time considered). */
  value: number;
  /** Where training stops: the rule's stop, or `maxSteps` when it lies beyond. */
  stop: RuleStop;
  /** The stop lies beyond `maxSteps` (or is infinite) and was capped there. */
  capped: boolean;
  /** Whether the criterion used the fit's design. */
  usedDesign: boolean;
}

export function checkedRuleName(name: string): StageTwoRuleName {
  if (!(STAGE_TWO_RULES as readonly string[]).includes(name)) {
    throw new MixedModelInputError(`unknown stopping rule '${name}'; use ${STAGE_TWO_RULES.join(', ')}`);
  }
  return name as StageTwoRuleName;
}

/** The grid the rules share: whole steps where the discrete model is defined (ηλ1 < 1), else continuous t. */
export function gridOptions(fit: SpectralFit, learningRate: number | undefined): TimeGridOptions {
  if (learningRate === undefined) return {};
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new MixedModelInputError(`learning rate η = ${learningRate}; it must be positive`);
  return learningRate * fit.eigenvalues[0]! < 1 ? { learningRate } : {};
}

/**
 * REML's stop (its concave Newton solve, or the shared grid with X) with −ℓ_R on the shared grid as its curve: the
 * search's own grid when it ran on these steps (with X each point is a GLS), else evaluated here.
 */
function remlAsMinimum(fit: SpectralFit, grid: TimeGridOptions, useDesign: boolean, given?: RemlStoppingTime): GridMinimum {
  const reml = given ?? remlStoppingTime(fit, { useDesign, learningRate: grid.learningRate });
  const steps = grid.learningRate === undefined ? undefined : reml.time === Infinity ? Infinity : Math.round(reml.time / grid.learningRate);
  const curve = reml.grid && reml.grid.learningRate === grid.learningRate ? reml.grid : remlCurve(fit, grid, reml.usedDesign);
  return {
    time: reml.time,
    ...(steps === undefined ? {} : { steps }),
    outcome: reml.outcome,
    value: -reml.logLikelihood,
    largestTime: curve.times[curve.times.length - 1]!,
    grid: { times: curve.times, ...(curve.steps ? { steps: curve.steps } : {}), values: curve.values },
  };
}

/** −ℓ_R at t = 0 and at each grid point where it is determined. */
function remlCurve(fit: SpectralFit, grid: TimeGridOptions, useDesign: boolean): GridMinimum['grid'] {
  const evaluate = profileEvaluator(fit, useDesign);
  const axis = timeAxis(fit, grid);
  const evaluated = axis.grid.map((x) => ({ x, logLikelihood: evaluate(axis.continuous(x)).logLikelihood })).filter((point) => Number.isFinite(point.logLikelihood));
  const xs = evaluated.map((point) => point.x);
  const times = Float64Array.from([0, ...xs.map(axis.continuous)]);
  const values = Float64Array.from([-evaluate(0).logLikelihood, ...evaluated.map((point) => -point.logLikelihood)]);
  return { times, ...(grid.learningRate === undefined ? {} : { steps: Float64Array.from([0, ...xs]) }), values };
}

/** The rule's stop at the cap, in steps at the learning rate (continuous-time searches are rounded to steps). */
function stopOf(found: GridMinimum, options: StageTwoRuleOptions): { steps?: number; stop: RuleStop; capped: boolean } {
  const { learningRate, maxSteps } = options;
  if (learningRate === undefined) return { stop: { time: found.time }, capped: false };
  const steps = found.steps ?? (found.time === Infinity ? Infinity : Math.round(found.time / learningRate));
  const cap = maxSteps ?? Infinity;
  const capped = steps > cap;
  const stopSteps = capped ? cap : steps;
  return { steps, stop: { time: stopSteps * learningRate, steps: stopSteps }, capped };
}

/**
 * One stage-2 rule on a fit: its criterion minimised on the shared time grid (time-grid.ts; REML without X by its
 * concave Newton solve, math.md §2.1), the curve on that grid, the stop in steps and capped at `maxSteps`.
 * LOO needs eigenvectors (a fit from the kernel, spectrum.vectors or lowRank).
 */
export function stageTwoRule(fit: SpectralFit, name: StageTwoRuleName, options: StageTwoRuleOptions = {}): StageTwoRule {
  checkedRuleName(name);
  if (options.maxSteps !== undefined && !(options.maxSteps >= 0)) throw new MixedModelInputError(`maxSteps must be ≥ 0, got ${options.maxSteps}`);
  const grid = gridOptions(fit, options.learningRate);
  if (grid.learningRate !== undefined) logDecayFactors(fit.eigenvalues, { learningRate: grid.learningRate, steps: 0 });
  const pathDesign = usesDesign(fit, { useDesign: options.useDesign });
  const remlDesign = usesDesign(fit, { useDesign: options.remlUsesDesign ?? options.useDesign });
  const refinePoints = searchRefinePoints(fit, pathDesign ? fit.designProjections : undefined);
  const found =
    name === 'loo'
      ? looMinimum(fit, pathDesign, { ...grid, refinePoints })
      : name === 'gcv'
        ? minimiseOnTimeGrid(fit, gcvCriterion(fit, { useDesign: pathDesign }), { ...grid, refinePoints, largestTime: interpolationTime(fit, { useDesign: pathDesign }) })
        : remlAsMinimum(fit, grid, remlDesign, options.reml);
  const { steps, stop, capped } = stopOf(found, options);
  return {
    name,
    curve: found.grid,
    outcome: found.outcome,
    time: found.time,
    ...(steps === undefined ? {} : { steps }),
    value: found.value,
    stop,
    capped,
    usedDesign: name === 'reml' ? remlDesign : pathDesign,
  };
}

/** Every stage-2 rule on the same grid and cap. */
export function stageTwoRules(fit: SpectralFit, options: StageTwoRuleOptions = {}): Record<StageTwoRuleName, StageTwoRule> {
  const reml = stageTwoRule(fit, 'reml', options);
  return { loo: stageTwoRule(fit, 'loo', options), reml, gcv: stageTwoRule(fit, 'gcv', options) };
}
