import { Matrix64, seededPermutation } from '@duality/linalg-core';
import { fitSpectral, gcvTime, looTime, oracleTime, pathAt, predictAt, twoStageDecision, type SpectralFit } from '@duality/mixed-model';
import { toTrainingScale } from '@duality/ntk';
import { DEFAULT_MAX_STEPS, VALIDATION_DEFAULTS } from '@duality/trainer';

/**
 * Every stopping rule on the kernel path (the linearised network), in closed form from eigendecompositions: what a
 * network trained by full-batch gradient descent at η = 1/λ1 would predict at each rule's stop (continuous time
 * t = η·k, math.md §0; steps reported as t·λ1).
 */

/** The trainer's cap on any run: "train to convergence" is this many steps at η = 1/λ1. */
export const MAX_STEPS = DEFAULT_MAX_STEPS;

export const RULES = ['two-stage', 'REML', 'LOO', 'validation', 'GCV', 'converge', 'oracle'] as const;
export type RuleName = (typeof RULES)[number];

export interface KernelTask {
  /** The raw NTK on the training inputs (n×n, not yet scaled by 1/n). */
  rawTrain: Matrix64;
  /** The raw NTK between test and training inputs (n*×n). */
  rawCross: Matrix64;
  y: Float64Array;
  /** What the test error is measured against: f*(x*) (risk) or the test targets (test MSE). */
  testTargets: Float64Array;
  /** f*(X): the in-sample risk against the true function, when known. */
  trainTruth?: Float64Array;
  /** Seed of the validation split (linalg-core's seededPermutation, as the trainer uses). */
  validationSeed: number;
  alpha?: number;
}

export interface RuleStop {
  time: number;
  steps: number;
  /** Mean squared difference to testTargets at the stop. */
  testError: number;
  /** Mean squared difference of the in-sample fit to trainTruth (when given). */
  inSampleError?: number;
}

export interface KernelRulesResult {
  stops: Record<RuleName, RuleStop>;
  /** min over t of the in-sample error (the in-sample oracle's value), when trainTruth was given. */
  bestInSampleError?: number;
  p: number;
  satterthwaiteP: number;
  train: boolean;
  remlOutcome: string;
  lambda1: number;
}

/** raw/n through ntk's one scaling helper (n: the training rows of the fit the kernel feeds). */
function scaled(raw: Matrix64, n: number): Matrix64 {
  return toTrainingScale({ kind: 'ntk', matrix: raw, scale: 'raw', n }).matrix;
}

function pick(m: Matrix64, rows: readonly number[], cols: readonly number[]): Matrix64 {
  const out = new Matrix64(rows.length, cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => out.set(i, j, m.get(r, c))));
  return out;
}

export function meanSquaredDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

/**
 * Validation early stopping on the kernel model, as the trainer runs it on a network: hold out 20% of the training
 * rows, train on the rest (kernel restricted to them, Θ = raw/n_kept) at the full fit's η, check the held-out loss
 * every `checkEvery` steps, stop after 20 checks without improvement, keep the best. Returns its steps and the
 * sub-model's predictions at the test points and at all n training rows.
 */
function validationStop(task: KernelTask, learningRate: number, checkEvery: number) {
  const n = task.y.length;
  const order = seededPermutation(n, task.validationSeed);
  const held = order.slice(0, Math.round(n * VALIDATION_DEFAULTS.fraction));
  const kept = order.slice(held.length);
  const all = Array.from({ length: n }, (_, i) => i);
  const testRows = Array.from({ length: task.rawCross.rows }, (_, i) => i);
  const nKept = kept.length;
  const fitHeld = fitSpectral({
    kernel: scaled(pick(task.rawTrain, kept, kept), nKept),
    y: kept.map((i) => task.y[i]!),
    crossKernel: scaled(pick(task.rawTrain, held, kept), nKept),
  });
  const heldY = held.map((i) => task.y[i]!);
  const heldLoss = (steps: number) => meanSquaredDifference(predictAt(fitHeld, steps * learningRate).data, heldY);
  let best = { steps: 0, loss: heldLoss(0) };
  for (let steps = checkEvery, since = 0; steps <= MAX_STEPS && since < VALIDATION_DEFAULTS.patience; steps += checkEvery) {
    const loss = heldLoss(steps);
    if (loss < best.loss) {
      best = { steps, loss };
      since = 0;
    } else {
      since++;
    }
  }
  // The kept model at its best step, evaluated at the test points and at every training row.
  const crossRows = new Matrix64(testRows.length + n, nKept);
  crossRows.data.set(scaled(pick(task.rawCross, testRows, kept), nKept).data, 0);
  crossRows.data.set(scaled(pick(task.rawTrain, all, kept), nKept).data, testRows.length * nKept);
  const fitFinal = fitSpectral({ kernel: scaled(pick(task.rawTrain, kept, kept), nKept), y: kept.map((i) => task.y[i]!), crossKernel: crossRows });
  const predictions = predictAt(fitFinal, best.steps * learningRate).data;
  return { steps: best.steps, test: predictions.subarray(0, testRows.length), train: predictions.subarray(testRows.length) };
}

/** Run every rule on one task. */
export function kernelRules(task: KernelTask): KernelRulesResult {
  const n = task.y.length;
  const fit: SpectralFit = fitSpectral({ kernel: scaled(task.rawTrain, n), y: task.y, crossKernel: scaled(task.rawCross, n) });
  const decision = twoStageDecision(fit, { alpha: task.alpha ?? 0.05, rule: 'reml' }); // its 'two-stage' row is REML's
  const lambda1 = fit.eigenvalues[0]!;
  const learningRate = 1 / lambda1;
  const cap = (t: number) => Math.min(t, MAX_STEPS * learningRate);
  const stopAt = (time: number): RuleStop => {
    const t = cap(time);
    return {
      time: t,
      steps: t * lambda1,
      testError: meanSquaredDifference(predictAt(fit, t).data, task.testTargets),
      inSampleError: task.trainTruth ? meanSquaredDifference(pathAt(fit, t).fitted!.data, task.trainTruth) : undefined,
    };
  };
  const oracle = oracleTime(fit, { testTargets: task.testTargets });
  const reml = stopAt(decision.reml.time);
  const oracleStop = stopAt(oracle.time);
  const validation = validationStop(task, learningRate, Math.max(1, Math.round(Math.max(reml.steps, oracleStop.steps) / 100)));
  const stops: Record<RuleName, RuleStop> = {
    'two-stage': decision.train ? reml : stopAt(0),
    REML: reml,
    validation: {
      time: validation.steps * learningRate,
      steps: validation.steps,
      testError: meanSquaredDifference(validation.test, task.testTargets),
      inSampleError: task.trainTruth ? meanSquaredDifference(validation.train, task.trainTruth) : undefined,
    },
    LOO: stopAt(looTime(fit, { useDesign: false }).time),
    GCV: stopAt(gcvTime(fit).time),
    converge: stopAt(Infinity),
    oracle: oracleStop,
  };
  return {
    stops,
    bestInSampleError: task.trainTruth ? oracleTime(fit, { inSample: task.trainTruth }).value : undefined,
    p: decision.test.p,
    satterthwaiteP: decision.test.satterthwaiteP,
    train: decision.train,
    remlOutcome: decision.reml.outcome,
    lambda1,
  };
}
