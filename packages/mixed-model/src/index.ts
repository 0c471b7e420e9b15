/**
 * @duality/mixed-model: gradient-flow training in the NTK regime as a random-effects model (math.md §1–4).
 * Build a {@link SpectralFit} once from a kernel; everything else reuses its single eigendecomposition.
 *
 * @packageDocumentation
 */

/** Errors the package raises: bad input (named, with the fix) and numerical routines that could not certify. */
export { MixedModelInputError, MixedModelNumericalError } from './errors.js';

/** The spectral fit: validation, one eigendecomposition, projections of u, f0, X and the cross-kernel. */
export { fitSpectral, type SpectralFit } from './spectral-fit.js';
export type { KernelSpectrum, SpectralFitInput, Targets } from './fit-inputs.js';

/**
 * A low-rank spectrum for `fitSpectral({ lowRank })` (math.md §6): r eigenpairs of Θ (e.g. `lowRankSpectrum(F)` of a
 * Nyström factor) and one eigenvalue ρ for the other n − r directions; every statistic is then exact for
 * Θ = U_r Λ_r U_rᵀ + ρ(I − U_rU_rᵀ) with no n×n matrix. `LowRankBasis` is what such a fit's coordinates refer to.
 */
export type { LowRankBasis, LowRankKernelSpectrum } from './low-rank-fit.js';

/** Training time: continuous t = η·k, or discrete steps with a learning rate. */
export type { TrainingTime } from './training-time.js';

/** P(Σ w_j χ²_{ν_j} ≥ q) for mixed-sign weights: certified relative accuracy at any depth. */
export {
  chiSquareMixtureTail,
  type MixtureTailOptions,
  type MixtureTailProbability,
  type TailMethod,
} from './chi-square-mixture.js';

/** Stage 1: the exact variance-component score test of t = 0. */
export { scoreTest, type ProjectedDesign, type ScoreTest, type ScoreTestOptions } from './score-test.js';

/** Stage 2: the REML stopping time and the profile likelihood. */
export { remlStoppingTime, type RemlOptions, type RemlOutcome, type RemlStoppingTime } from './reml.js';

/** The path at any time: BLUP, predictions, residuals, spectral losses, Ψ, edf, GCV, σ̂²; GCV and oracle times. */
export {
  gcvTime,
  type GcvTime,
  oracleTime,
  pathAt,
  predictAt,
  type OracleTruth,
  type PathOptions,
  type PathPoint,
  type PredictionInput,
  type SelectedTime,
} from './path.js';

/** Training what was tested (math.md §2.2, §7.3): the fit of the targets less the fixed part Xβ̂(t), no design. */
export { fitLessFixedPart } from './fixed-part.js';

/** Exact leave-one-out of the random-effects model (math.md §4): residuals, the curve LOO(t), the LOO time. */
export { looCurve, looResiduals, type LooCurve, type LooOptions } from './loo.js';
export { looTime, type LooOutcome, type LooStoppingTime, type LooTimeOptions } from './loo-time.js';

/**
 * The stage-2 rules as one concept: each rule's criterion on the one shared time grid, its stop (time and steps),
 * outcome and cap. The decision, the trainer, the report and the CLI all read these.
 */
export {
  checkedRuleName,
  DEFAULT_STAGE_TWO_RULE,
  RULE_CRITERIA,
  STAGE_TWO_RULES,
  stageTwoRule,
  stageTwoRules,
  type RuleStop,
  type StageTwoRule,
  type StageTwoRuleName,
  type StageTwoRuleOptions,
} from './stopping-rule.js';
export { minimiseOnTimeGrid, type BatchCriterion, type GridMinimum, type GridOutcome, type GridPoint, type TimeGridOptions } from './time-grid.js';

/** Prediction intervals from the exact leave-one-out residuals at the stop (math.md §7.4). */
export { conformalQuantile, looIntervalHalfWidths, type LooInterval } from './loo-interval.js';

/** The two-stage rule, in the exact or the published convention. */
export {
  checkDecisionOptions,
  twoStageDecision,
  type DecisionConvention,
  type TwoStageDecision,
  type TwoStageOptions,
} from './two-stage.js';
