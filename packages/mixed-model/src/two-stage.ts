import { MixedModelInputError } from './errors.js';
import { remlStoppingTime, type RemlStoppingTime } from './reml.js';
import { scoreTest, type ScoreTest } from './score-test.js';
import type { SpectralFit } from './spectral-fit.js';
import { checkedRuleName, DEFAULT_STAGE_TWO_RULE, gridOptions, stageTwoRule, type StageTwoRule, type StageTwoRuleName } from './stopping-rule.js';

/**
 * 'exact' (default): the fit's design is projected out, the exact p-value decides, REML uses the design.
 * 'published': the published Python toolkit's conventions, for number-for-number comparison: the test projects
 * out f0 (X = f0; nothing when f0 ≡ 0), the Satterthwaite p-value decides, REML has no fixed effects.
 */
export type DecisionConvention = 'exact' | 'published';

export interface TwoStageOptions {
  /** Level of the test (default 0.05). */
  alpha?: number;
  convention?: DecisionConvention;
  /** The stage-2 rule that says how long (default `DEFAULT_STAGE_TWO_RULE`, leave-one-out). */
  rule?: StageTwoRuleName;
  /** Gradient descent at this learning rate: the rule's stop in whole steps (see `StageTwoRuleOptions`). */
  learningRate?: number;
  /** Most steps training takes (with `learningRate`): a longer stop is capped and marked so. */
  maxSteps?: number;
  /**
   * LOO and GCV use the fit's design (default true when it has one; the published convention never does). A
   * network's own path has no fixed effects: the trainer passes false while the test and REML keep the design.
   */
  pathUsesDesign?: boolean;
  /**
   * Called as each part of the decision starts: 'test' (the score test), 'reml' (REML's profile, always computed),
   * then the rule's name when it is not REML. At 50,000 rows with a wide design the parts take tens of seconds each:
   * a caller can show which one is running.
   */
  onStage?: (stage: 'test' | StageTwoRuleName) => void;
}

/** Stage 1 (is training warranted?) then stage 2 (how long?), math.md §3. */
export interface TwoStageDecision {
  test: ScoreTest;
  /** The p-value the convention decides with. */
  decidingP: number;
  /** REML, always: the paper's rule, its profile reported whichever rule decides. */
  reml: RemlStoppingTime;
  /** The stage-2 rule that decides how long: its curve, stop, outcome and cap. */
  rule: StageTwoRule;
  /** false: stop at t = 0 (predict f0, or f0 + Xβ̂). */
  train: boolean;
  /** 0 when not training, else the rule's t̂ (possibly Infinity: train to convergence; `rule.stop` has the cap). */
  time: number;
  convention: DecisionConvention;
}

/** α in (0, 1) and a known convention: callers with costly work before the decision check first. */
export function checkDecisionOptions(options: Pick<TwoStageOptions, 'alpha' | 'convention'> & { rule?: string }): void {
  const { alpha, convention } = options;
  if (alpha !== undefined && !(alpha > 0 && alpha < 1)) throw new MixedModelInputError(`alpha must be in (0, 1), got ${alpha}`);
  if (convention !== undefined && convention !== 'exact' && convention !== 'published') {
    throw new MixedModelInputError(`unknown convention '${String(convention)}'; use exact or published`);
  }
  if (options.rule !== undefined) checkedRuleName(options.rule);
}

/** The two-stage rule: if p ≥ α stop at t = 0, otherwise train to the chosen rule's t̂ (default leave-one-out). */
export function twoStageDecision(fit: SpectralFit, options: TwoStageOptions = {}): TwoStageDecision {
  checkDecisionOptions(options);
  const alpha = options.alpha ?? 0.05;
  const convention = options.convention ?? 'exact';
  const published = convention === 'published';
  options.onStage?.('test');
  const test = scoreTest(fit, {
    projectOut: published ? (fit.f0Projections ? 'f0' : 'nothing') : fit.designProjections ? 'design' : 'nothing',
  });
  const decidingP = published ? test.satterthwaiteP : test.p;
  options.onStage?.('reml');
  // On the rule's steps, so REML's search is also its curve among the rules (stopping-rule.ts).
  const reml = remlStoppingTime(fit, { useDesign: !published, learningRate: gridOptions(fit, options.learningRate).learningRate });
  const name = options.rule ?? DEFAULT_STAGE_TWO_RULE;
  if (name !== 'reml') options.onStage?.(name);
  const rule = stageTwoRule(fit, name, {
    learningRate: options.learningRate,
    maxSteps: options.maxSteps,
    useDesign: !published && (options.pathUsesDesign ?? true),
    remlUsesDesign: !published,
    reml,
  });
  const train = decidingP < alpha;
  return { test, decidingP, reml, rule, train, time: train ? rule.time : 0, convention };
}
