export { NETWORK_DEFAULTS, defaultNetworkSpec } from './defaults.js';
export { stepsForTime, timeForSteps, TrainerInputError } from './time.js';
export { formatPValue } from './p-value-text.js';
export type { ClassAccuracy, ClassificationSection, CurvePoint, StopPoint, StoppingRule, TwoStageReport } from './report.js';
export { predictedClasses, type ClassTargets } from './classification.js';
export {
  classMetrics,
  DEFAULT_INTERVAL_LEVEL,
  KERNEL_LABEL,
  LOG_LOSS_FLOOR,
  probabilityWeight,
  NETWORK_LABEL,
  regressionMetrics,
  type ClassMetrics,
  type Metrics,
  type ModelMetrics,
  type PredictionInterval,
  type QualityMetrics,
  type RegressionMetrics,
  type TargetScaling,
} from './metrics.js';
export { GradientDescent, LossProbe } from './gradient-descent.js';
export { saveNetwork, toLayersModel } from './save.js';
export { loadNetwork, modelFiles } from './load.js';
export {
  f0Ratio,
  f0Threshold,
  resolveFixedEffects,
  targetsCentred,
  type FixedEffectColumn,
  type FixedEffects,
  type InitialOutputCheck,
} from './fixed-effects.js';
export { interceptAndColumns, linearDesign, MIN_RESIDUAL_DF, type LinearDesign } from './linear-design.js';
export { withLinearPart, type LinearPart } from './linear-part.js';
export { linearModelLine, linearModelSection, type LinearModelSection } from './linear-model.js';
export { networkKernel, type KernelSource, type NetworkKernel } from './kernel.js';
export { DEFAULT_RANK, gigabytes, kernelPlan, MEMORY_SHARE, networkKernelFactor, type KernelPlan, type KernelRank, type NetworkKernelFactor } from './kernel-factor.js';
export { REMAINDERS, type LowRankSummary, type Remainder } from './kernel-fit.js';
export { analyzeTwoStage, DEFAULT_ALPHA, type AnalysisOptions, type TwoStageAnalysis } from './analysis.js';
export { kernelCurves, type KernelCurves } from './kernel-curves.js';
export { DRIFT_LIMIT, DRIFT_ROWS, judgedDrift, kernelDrift, type KernelDrift } from './kernel-drift.js';
export type { TrainingProgress } from './progress.js';
export {
  DEFAULT_STOPPING_RULE,
  STOPPING_RULES,
  type CriterionPoint,
  type RuleTime,
  type StageTwoRule,
  type StoppingTimes,
} from './stopping-rules.js';
export { VALIDATION_DEFAULTS, type ValidationOptions } from './validation.js';
export { BATCH_DEFAULTS, BatchSampler, chooseBatchSize, type BatchChoice, type BatchSize, type StepCost } from './minibatch.js';
export {
  COMPARATORS,
  DEFAULT_MAX_STEPS,
  trainTwoStage,
  type Comparator,
  type TwoStageOptions,
  type TwoStageResult,
} from './two-stage.js';
export { RemlStoppingCallback, type RemlStoppingOptions } from './reml-stopping-callback.js';
