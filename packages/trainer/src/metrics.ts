import { Matrix64 } from '@duality/linalg-core';
import { looIntervalHalfWidths, pathAt } from '@duality/mixed-model';
import type { DenseNetwork } from '@duality/ntk';
import type { TwoStageAnalysis } from './analysis.js';
import { accuracy, confusion, predictedClasses, type ClassTargets } from './classification.js';
import type { KernelCurves } from './kernel-curves.js';
import { TrainerInputError } from './time.js';

/** A numeric target's standardisation: the model sees z = (y − mean)/sd, so y = z·sd + mean. */
export interface TargetScaling {
  mean: number;
  sd: number;
}

/** Regression quality of one set of rows, in the target's own units (RMSE, MAE) and unitless (R²). */
export interface RegressionMetrics {
  rows: number;
  rmse: number;
  mae: number;
  /** 1 − Σ(y − ŷ)²/Σ(y − ȳ)², ȳ the mean of these rows: 0 is predicting their mean, 1 perfect. */
  r2: number;
}

/** Classification quality of one set of rows. */
export interface ClassMetrics {
  rows: number;
  accuracy: number;
  /**
   * Mean −log p(true class), the outputs read as probabilities: p_k ∝ min(max(f_k + offset_k, LOG_LOSS_FLOOR), 1)
   * (an indicator regression's outputs estimate class probabilities, but can leave [0, 1]).
   */
  logLoss: number;
  /** counts[true class][predicted class]. */
  confusion: number[][];
}

export type Metrics = RegressionMetrics | ClassMetrics;

/** One model's numbers on the training rows and (with test data) the test rows. */
export interface ModelMetrics<M extends Metrics = Metrics> {
  /** "network (trained to the rule's stop)" or "kernel model (the linearised prediction)". */
  label: string;
  /** The step both are judged at: the rule's stop (0 when training was not warranted). */
  steps: number;
  train?: M;
  test?: M;
}

export interface QualityMetrics {
  kind: 'regression' | 'classification';
  /** What RMSE and MAE are measured in: 'target units' (with a target scaling) or 'standardised units'. */
  units: string;
  /** Class labels (classification), in the confusion tables' order. */
  classes?: string[];
  network: ModelMetrics;
  kernel: ModelMetrics;
}

export const NETWORK_LABEL = 'network (trained to the rule’s stop)';
export const KERNEL_LABEL = 'kernel model (the linearised prediction)';
/** Probabilities below this are read as this (a class the model rules out costs −log 0.001 ≈ 6.9, not ∞). */
export const LOG_LOSS_FLOOR = 1e-3;

export function checkedScaling(scaling: TargetScaling | undefined): TargetScaling | undefined {
  if (scaling && !(Number.isFinite(scaling.mean) && scaling.sd > 0 && Number.isFinite(scaling.sd))) {
    throw new TrainerInputError(`targetScaling needs a finite mean and a positive finite sd, got mean ${scaling.mean}, sd ${scaling.sd}`);
  }
  return scaling;
}

/** RMSE, MAE and R² of predictions against targets (both n×k, standardised), in target units via y = z·sd + mean. */
export function regressionMetrics(predicted: Matrix64, truth: Matrix64, scaling?: TargetScaling): RegressionMetrics {
  const sd = scaling?.sd ?? 1;
  const k = truth.cols;
  const means = new Float64Array(k);
  for (let i = 0; i < truth.rows; i++) for (let j = 0; j < k; j++) means[j]! += truth.get(i, j) / truth.rows;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  truth.data.forEach((y, q) => {
    const error = y - predicted.data[q]!;
    squared += error * error;
    absolute += Math.abs(error);
    total += (y - means[q % k]!) ** 2;
  });
  const count = truth.data.length;
  // The mean cancels in every difference; the sd scales errors (R² is unitless).
  return { rows: truth.rows, rmse: sd * Math.sqrt(squared / count), mae: (sd * absolute) / count, r2: total > 0 ? 1 - squared / total : NaN };
}

/** Accuracy, log-loss and the confusion table of indicator outputs against indicator targets. */
export function classMetrics(predicted: Matrix64, truth: Matrix64, classes: ClassTargets): ClassMetrics {
  const trueClass = predictedClasses(truth, classes.offsets);
  const predictedClass = predictedClasses(predicted, classes.offsets);
  let logLoss = 0;
  for (let i = 0; i < predicted.rows; i++) {
    let sum = 0;
    for (let k = 0; k < predicted.cols; k++) sum += probabilityWeight(predicted.get(i, k) + classes.offsets[k]!);
    logLoss -= Math.log(probabilityWeight(predicted.get(i, trueClass[i]!) + classes.offsets[trueClass[i]!]!) / sum);
  }
  return {
    rows: truth.rows,
    accuracy: accuracy(predictedClass, trueClass),
    logLoss: logLoss / predicted.rows,
    confusion: confusion(predictedClass, trueClass, classes.names.length),
  };
}

/** A class score f_k + offset_k read as an unnormalised probability (the report's log-loss and `predict` both use it). */
export function probabilityWeight(output: number): number {
  return Math.min(Math.max(output, LOG_LOSS_FLOOR), 1);
}

/** The kernel model's in-sample prediction at a step: y − its residuals (needs the fit's eigenvectors). */
function kernelFitted(analysis: TwoStageAnalysis, kernel: KernelCurves, steps: number): Matrix64 | undefined {
  return pathAt(analysis.fit, kernel.time(steps), { useDesign: false }).fitted;
}

/**
 * The network at the rule's stop and the kernel model at the same step, on the training and test rows: RMSE, MAE and
 * R² in the target's units (regression) or accuracy, log-loss and the confusion table (classes).
 */
export function qualityMetrics(
  network: DenseNetwork,
  analysis: TwoStageAnalysis,
  kernel: KernelCurves,
  at: { steps: number; scaling?: TargetScaling; classes?: ClassTargets },
): QualityMetrics {
  const { x, y, test, targets } = analysis;
  // With a linear part the network fits y − Xβ̂: add Xβ̂ = (the targets as given) − y back, so R² is of the whole predictor.
  const whole = (predicted: Matrix64, fitted: Matrix64, given: Matrix64 | undefined): [Matrix64, Matrix64] =>
    given ? [new Matrix64(predicted.rows, predicted.cols, predicted.data.map((v, i) => v + given.data[i]! - fitted.data[i]!)), given] : [predicted, fitted];
  const judge = (predicted: Matrix64 | undefined, fitted: Matrix64, given: Matrix64 | undefined): Metrics | undefined => {
    if (predicted === undefined) return undefined;
    const [prediction, truth] = whole(predicted, fitted, given);
    return at.classes ? classMetrics(prediction, truth, at.classes) : regressionMetrics(prediction, truth, at.scaling);
  };
  const sets = (train: Matrix64 | undefined, testPredictions: Matrix64 | undefined) => {
    const onTrain = judge(train, y, targets?.y);
    const onTest = test ? judge(testPredictions, test.y, targets?.test?.y) : undefined;
    return { ...(onTrain ? { train: onTrain } : {}), ...(onTest ? { test: onTest } : {}) };
  };
  return {
    kind: at.classes ? 'classification' : 'regression',
    units: at.classes ? 'class indicators' : at.scaling ? 'target units' : 'standardised units',
    ...(at.classes ? { classes: at.classes.names } : {}),
    network: { label: NETWORK_LABEL, steps: at.steps, ...sets(network.outputs(x), test ? network.outputs(test.x) : undefined) },
    kernel: { label: KERNEL_LABEL, steps: at.steps, ...sets(kernelFitted(analysis, kernel, at.steps), kernel.testPredictions(at.steps)) },
  };
}

/** The report's prediction interval (math.md §7.4): f(x*) ± halfWidth, centred on the trained network. */
export interface PredictionInterval {
  /** Nominal coverage 1 − α (default 0.9). */
  level: number;
  /** q in the target's units (sd · halfWidthStandardised; equal to it without a target scaling). */
  halfWidth: number;
  /** q on the scale the model was fitted on: the ⌈level(n + 1)⌉-th smallest |r_i^loo(t̂)|. */
  halfWidthStandardised: number;
  method: string;
  /** Share of test rows whose target lies within the interval around the network's prediction. */
  coverage?: number;
  /** The same around the kernel model's prediction (the model the residuals are exact for). */
  kernelCoverage?: number;
  testRows?: number;
}

export const DEFAULT_INTERVAL_LEVEL = 0.9;

/** Share of rows with |y − prediction| ≤ q. */
function coverage(predicted: Matrix64, truth: Matrix64, q: number): number {
  let inside = 0;
  truth.data.forEach((y, i) => {
    if (Math.abs(y - predicted.data[i]!) <= q) inside++;
  });
  return inside / truth.data.length;
}

/**
 * The jackknife interval at the rule's stop: q = the ⌈level(n + 1)⌉-th smallest exact LOO residual |r_i^loo(t̂)|
 * (mixed-model `looIntervalHalfWidths`), centred on the network's prediction; coverage measured on the test rows.
 * One output only (a numeric target).
 */
export function predictionInterval(
  network: DenseNetwork,
  analysis: TwoStageAnalysis,
  kernel: KernelCurves,
  at: { steps: number; level: number; scaling?: TargetScaling },
): PredictionInterval {
  const { level, scaling } = at;
  const q = looIntervalHalfWidths(analysis.fit, kernel.time(at.steps), level, { useDesign: false }).halfWidths[0]!;
  const { test } = analysis;
  const kernelTest = kernel.testPredictions(at.steps);
  return {
    level,
    halfWidth: q * (scaling?.sd ?? 1),
    halfWidthStandardised: q,
    method: `jackknife: the ⌈${level}(n + 1)⌉-th smallest exact leave-one-out residual at the stop`,
    ...(test ? { coverage: coverage(network.outputs(test.x), test.y, q), testRows: test.y.rows } : {}),
    ...(test && kernelTest ? { kernelCoverage: coverage(kernelTest, test.y, q) } : {}),
  };
}

export function checkedLevel(level: number | undefined): number {
  const value = level ?? DEFAULT_INTERVAL_LEVEL;
  if (!(value > 0 && value < 1)) throw new TrainerInputError(`intervalLevel must be in (0, 1), got ${level}; e.g. 0.9 for 90% intervals`);
  return value;
}
