import {
  DEFAULT_STAGE_TWO_RULE,
  looCurve,
  STAGE_TWO_RULES,
  stageTwoRule,
  type GridOutcome,
  type SpectralFit,
  type StageTwoRule as RuleResult,
  type StageTwoRuleName,
  type TrainingTime,
  type TwoStageDecision,
} from '@duality/mixed-model';
import { TrainerInputError } from './time.js';

/** The stage-2 rules (mixed-model's `STAGE_TWO_RULES`): exact leave-one-out, REML (the paper's), GCV (math.md §2, §4). */
export const STOPPING_RULES = STAGE_TWO_RULES;
/** A stage-2 rule's name (mixed-model's `StageTwoRuleName`). */
export type StageTwoRule = StageTwoRuleName;

/**
 * The rule `trainTwoStage` and the CLI use when none is named: mixed-model's `DEFAULT_STAGE_TWO_RULE`, exact
 * leave-one-out, by issue 16's criterion fixed before measuring (the lowest pooled median out-of-sample risk ratio
 * among the rules never worse than REML by more than 3% in a cell). GCV led the first suites by 0.2%, then real data
 * with repeated inputs (flights-200k) put its stop at ~10¹¹ steps in 6 of 10 splits: GCV replaces each point's
 * leverage by the average, which duplicated inputs break (BENCHMARKS.md, "The default stage-2 rule"). REML, the
 * paper's rule, stays one option away and always reported.
 */
export const DEFAULT_STOPPING_RULE: StageTwoRule = DEFAULT_STAGE_TWO_RULE;

/** One point of a rule's criterion on the shared grid. */
export interface CriterionPoint {
  step: number;
  time: number;
  value: number;
}

/** One rule's stop as the report keeps it: mixed-model's `StageTwoRule` as plain JSON-able data. */
export interface RuleTime {
  /** The rule's own stop, in time and in steps at the run's learning rate (uncapped; Infinity when infinite). */
  time: number;
  steps: number;
  outcome: GridOutcome;
  /** Steps training to this rule takes: `steps`, or maxSteps when the stop lies past it (`capped`). */
  stopSteps: number;
  capped: boolean;
  /** The criterion the rule minimises (`RULE_CRITERIA`) on the grid the rules share. */
  curve: CriterionPoint[];
}

/** Every stage-2 rule's stop, and the LOO estimate of out-of-sample loss at each (capped) stop. */
export interface StoppingTimes {
  rules: Record<StageTwoRule, RuleTime>;
  /** (1/2)·LOO(t) at each rule's (capped) stop: the estimated out-of-sample half mean squared error of training that long. */
  looLossAt: Record<StageTwoRule, number>;
  /** A plain-words note when REML's stop costs noticeably more estimated out-of-sample loss than LOO's. */
  misspecification?: string;
  /**
   * The other case: LOO's curve is flat, so REML's far earlier stop costs little estimated out-of-sample loss; the note
   * says how little, and how many steps `--rule reml` saves (at large n LOO's stop can be millions of steps).
   */
  flatCurve?: string;
}

export function checkedRule(rule: string): StageTwoRule {
  if (!(STOPPING_RULES as readonly string[]).includes(rule)) {
    throw new TrainerInputError(`unknown stopping rule '${rule}'; use ${STOPPING_RULES.join(', ')}`);
  }
  return rule as StageTwoRule;
}

/** REML's estimated excess out-of-sample loss above this is worth a note (below it the two rules agree). */
const NOTE_ABOVE = 0.02;
/** LOO stopping this many times later than REML for no more than NOTE_ABOVE is a flat curve worth a note. */
const FLAT_STEPS_RATIO = 10;

function stepText(steps: number): string {
  return Number.isFinite(steps) ? steps.toLocaleString('en-US') : '∞';
}

/**
 * REML's stop against LOO's, in plain words: a misspecification note when REML's costs more than NOTE_ABOVE estimated
 * out-of-sample loss, else a flat-curve note when LOO stops far later for about the same loss (the steps themselves say
 * how much: the ratio would overstate what `train` does, which caps a long stop at its maxSteps).
 */
export function ruleNotes(remlSteps: number, looSteps: number, excess: number): Pick<StoppingTimes, 'misspecification' | 'flatCurve'> {
  if (excess > NOTE_ABOVE) {
    const prior =
      remlSteps < looSteps
        ? "the model's prior looks too rough for these data (REML under-trains a signal smoother than e^{tΘ} − I implies)"
        : "the model's prior looks too smooth for these data";
    return {
      misspecification:
        `REML's stop costs an estimated +${(100 * excess).toFixed(0)}% out-of-sample loss against leave-one-out's ` +
        `(LOO at ${stepText(remlSteps)} steps vs ${stepText(looSteps)}); ${prior}`,
    };
  }
  if (!(Number.isFinite(remlSteps) && remlSteps > 0 && looSteps > FLAT_STEPS_RATIO * remlSteps)) return {};
  const cost = excess > 0.0005 ? `+${(100 * excess).toFixed(1)}%` : 'nothing measurable';
  return {
    flatCurve:
      `leave-one-out's curve is flat: REML's stop at ${stepText(remlSteps)} steps costs an estimated ${cost} out-of-sample ` +
      `loss against leave-one-out's ${stepText(looSteps)} steps, so --rule reml trains far less for about the same loss`,
  };
}

/** A rule from mixed-model as report data, its steps at the run's learning rate. */
function ruleTime(rule: RuleResult, learningRate: number): RuleTime {
  const steps = rule.steps ?? (rule.time === Infinity ? Infinity : Math.round(rule.time / learningRate));
  const { times, values } = rule.curve;
  const curveSteps = rule.curve.steps ?? times.map((t) => t / learningRate);
  return {
    time: rule.time,
    steps,
    outcome: rule.outcome,
    stopSteps: rule.stop.steps ?? steps,
    capped: rule.capped,
    curve: Array.from(values, (value, i) => ({ step: curveSteps[i]!, time: times[i]!, value })),
  };
}

/**
 * The three stage-2 rules on mixed-model's one grid, the decision's own rule among them (not computed twice). LOO and
 * GCV use the kernel alone, as the network's path has no fixed effects (its predictor is (I − e^{−tΘ})u, whose PRESS
 * residuals LOO is); REML keeps the decision's design. Steps are whole steps of the run, capped at maxSteps.
 */
export function stoppingTimes(
  fit: SpectralFit,
  decision: TwoStageDecision,
  run: { learningRate: number; time: (steps: number) => TrainingTime; maxSteps: number },
): StoppingTimes {
  const { learningRate, maxSteps } = run;
  const useDesign = decision.rule.usedDesign; // false but with a linear part (math.md §7.3)
  const options = { learningRate, maxSteps, useDesign, remlUsesDesign: decision.reml.usedDesign, reml: decision.reml };
  const result = (name: StageTwoRule) => (decision.rule.name === name ? decision.rule : stageTwoRule(fit, name, options));
  const rules = Object.fromEntries(STOPPING_RULES.map((name) => [name, ruleTime(result(name), learningRate)])) as Record<StageTwoRule, RuleTime>;
  const at = looCurve(fit, STOPPING_RULES.map((name) => run.time(rules[name].stopSteps)), { useDesign }).values;
  const looLossAt = Object.fromEntries(STOPPING_RULES.map((name, i) => [name, at[i]! / 2])) as Record<StageTwoRule, number>;
  const notes = ruleNotes(rules.reml.stopSteps, rules.loo.stopSteps, looLossAt.reml / looLossAt.loo - 1);
  return { rules, looLossAt, ...notes };
}
