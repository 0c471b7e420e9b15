import { toMatrix64, type Matrix64, type MatrixLike } from '@duality/linalg-core';
import { looCurve, oracleTime } from '@duality/mixed-model';
import { initTensorflow, type DenseNetwork } from '@duality/ntk';
import { checkedClasses, classificationSection, type ClassTargets } from './classification.js';
import { analyzeTwoStage, checkedTargets, DEFAULT_ALPHA, DEFAULT_MAX_STEPS, type AnalysisOptions, type TwoStageAnalysis } from './analysis.js';
import { kernelCurves, type KernelCurves } from './kernel-curves.js';
import { kernelDrift } from './kernel-drift.js';
import { withLinearPart } from './linear-part.js';
import { checkedLevel, checkedScaling, predictionInterval, qualityMetrics, type TargetScaling } from './metrics.js';
import type { CurvePoint, StopPoint, StoppingRule, TwoStageReport } from './report.js';
import { assembleReport } from './report-assembly.js';
import { stepsForTime, TrainerInputError } from './time.js';
import { trainAndRecord, type MeasuredPoint } from './training-run.js';
import { checkedBatchSize, type BatchSize } from './minibatch.js';
import { STOPPING_RULES, type RuleTime, type StageTwoRule } from './stopping-rules.js';
import { validationEarlyStopping, type ValidationOptions, type ValidationStop } from './validation.js';

/** Real-network comparators, run only when asked: they cost real training the rule does not need. */
export const COMPARATORS = ['validation', 'horizon'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export interface TwoStageOptions extends AnalysisOptions {
  /**
   * Real-network comparators (default none: the network trains to the rule's stop and no further, and the curves past
   * it are the kernel model's prediction). 'validation': validation early stopping on a held-out part of the training
   * rows; 'horizon': train on past the stop to the curves' horizon, measuring the network all the way.
   */
  compare?: readonly Comparator[];
  /** Settings of the validation comparator. */
  validation?: ValidationOptions;
  /** Fixed step counts to compare with (e.g. [50000]): kernel-predicted losses, measured where the network got to. */
  fixedSteps?: number[];
  /** Curves reach this multiple of the longest stop (default 2). */
  horizonFactor?: number;
  /** Points on the loss curves (default 40, log-spaced). */
  curvePoints?: number;
  /** Seed of the validation split and of a low-rank kernel's landmarks (default 0). */
  seed?: number;
  /** A class target (y holds one indicator output per class): the report adds accuracy and confusion tables. */
  classes?: ClassTargets;
  /** A numeric target's standardisation (y = z·sd + mean): the report's RMSE, MAE and interval in the target's units. */
  targetScaling?: TargetScaling;
  /** Level of the report's prediction interval (default 0.9; numeric targets). */
  intervalLevel?: number;
  /**
   * Rows per step of the rule's run (math.md §7.2): 'auto' (default) full batch while the run's estimated time fits
   * `batchBudgetSeconds`, else the largest power of two (at least 256) whose run fits (`chooseBatchSize`); 'full'; or
   * a count.
   */
  batchSize?: BatchSize;
  /** The 'auto' batch rule's time budget for the run, in seconds (default `BATCH_DEFAULTS.budgetSeconds`). */
  batchBudgetSeconds?: number;
}

export interface TwoStageResult {
  report: TwoStageReport;
  /** The network at the rule's stop: the initial weights when training is not warranted. The caller disposes it. */
  network: DenseNetwork;
}

export { DEFAULT_MAX_STEPS };

/** Log-spaced steps from 1 to `last`, with 0 and the `marks` that fall inside. */
function recordingSteps(last: number, points: number, marks: number[]): number[] {
  const steps = new Set<number>([0]);
  for (let i = 0; i < points && last >= 1; i++) steps.add(Math.round(Math.exp((Math.log(last) * i) / Math.max(points - 1, 1))));
  for (const m of marks) if (m <= last) steps.add(m);
  return [...steps].sort((a, b) => a - b);
}

function checkedComparators(compare: readonly Comparator[]): Set<Comparator> {
  const unknown = compare.filter((c) => !COMPARATORS.includes(c));
  if (unknown.length > 0) throw new TrainerInputError(`unknown comparator ${unknown.join(', ')}; use ${COMPARATORS.join(', ')}`);
  return new Set(compare);
}

/** The curves' settings and fixed step counts: a NaN here would land in the report's stops and curves. */
function checkedRecording(options: TwoStageOptions): void {
  const bad = (options.fixedSteps ?? []).find((k) => !(Number.isInteger(k) && k >= 1));
  if (bad !== undefined) throw new TrainerInputError(`fixedSteps must be positive integers, got ${bad}`);
  if (options.horizonFactor !== undefined && !(options.horizonFactor >= 1 && Number.isFinite(options.horizonFactor))) {
    throw new TrainerInputError(`horizonFactor must be a finite number ≥ 1 (the curves reach that multiple of the longest stop), got ${options.horizonFactor}`);
  }
  if (options.curvePoints !== undefined && !(Number.isInteger(options.curvePoints) && options.curvePoints >= 2)) {
    throw new TrainerInputError(`curvePoints must be an integer ≥ 2, got ${options.curvePoints}`);
  }
}

/**
 * Targets float32 training can follow: the network computes f = g − g0 with outputs of order 1, so targets far below
 * that drown in its rounding (the loss reported would be noise), and far above it overflow the squared loss.
 */
const TRAINABLE_TARGET_RMS = [1e-4, 1e6] as const;

function checkedTargetScale(y: Matrix64): void {
  const rms = Math.sqrt(y.data.reduce((s, v) => s + v * v, 0) / y.data.length);
  const [low, high] = TRAINABLE_TARGET_RMS;
  if (!(rms >= low && rms <= high)) {
    throw new TrainerInputError(
      `the targets' root mean square is ${rms.toPrecision(3)}, outside [${low}, ${high}] where float32 training can follow them; standardise y (the CLI does unless --no-standardize)`,
    );
  }
}

/** A rule's steps, capped at maxSteps (an infinite time trains to the cap). */
function capped(steps: number, maxSteps: number): number {
  return Math.min(steps, maxSteps);
}

/** The oracle's stop with test data: argmin of the kernel model's test loss (not a usable rule: it sees the test set). */
function oracleSteps(analysis: TwoStageAnalysis, maxSteps: number): number | undefined {
  const { fit, learningRate, test, kernel } = analysis;
  if (!test) return undefined;
  return capped(stepsForTime(oracleTime(fit, { testTargets: test.y, f0New: kernel.f0Test }, { useDesign: false }).time, learningRate), maxSteps);
}

/** The curves on the recording grid: the kernel model's losses, LOO's estimate, and the network's where measured. */
function curvePoints(steps: number[], analysis: TwoStageAnalysis, kernel: KernelCurves, measured: MeasuredPoint[]): CurvePoint[] {
  const loo = looCurve(analysis.fit, steps.map(kernel.time), { useDesign: false }).values;
  return steps.map((step, i) => {
    const m = measured.find((p) => p.step === step);
    const testLoss = kernel.testLoss(step);
    return {
      step,
      time: step * analysis.learningRate,
      kernelTrainLoss: kernel.trainLoss(step),
      ...(testLoss === undefined ? {} : { kernelTestLoss: testLoss }),
      looLoss: loo[i]! / 2,
      ...(m ? { trainLoss: m.trainLoss, ...(m.testLoss === undefined ? {} : { testLoss: m.testLoss }) } : {}),
    };
  });
}

/**
 * Duality's two-stage rule on a real network: the empirical NTK and f0 at initialisation → the exact score test of
 * t = 0 → if p ≥ α no training, else gradient descent for round(t̂/η) steps of the stage-2 rule (`stoppingRule`,
 * default leave-one-out), and no further. Beside it every rule's stop (REML, LOO, GCV), the kernel model's
 * comparators (the oracle with test data, fixed step counts) and its predicted curves;
 * real-network comparators (validation early stopping, training on to the horizon) when asked.
 */
export async function trainTwoStage(
  network: DenseNetwork,
  xInput: MatrixLike,
  yInput: MatrixLike | ArrayLike<number>,
  options: TwoStageOptions = {},
): Promise<TwoStageResult> {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1)) throw new TrainerInputError(`maxSteps must be a positive integer, got ${maxSteps}`);
  const compare = checkedComparators(options.compare ?? []);
  checkedRecording(options);
  const batchSize = checkedBatchSize(options.batchSize);
  const classes = options.classes ? checkedClasses(options.classes, network.outputDim) : undefined;
  const scaling = checkedScaling(options.targetScaling);
  const level = checkedLevel(options.intervalLevel);
  const tfjs = await initTensorflow();
  // Before the kernel, which at large n takes minutes.
  checkedTargetScale(checkedTargets(yInput, toMatrix64(xInput).rows, 'y'));
  const analysis = withLinearPart(await analyzeTwoStage(network, xInput, yInput, options), options);
  const { decision, learningRate, stopping } = analysis;
  const ruleSteps = decision.train ? stopping.rules[analysis.rule].stopSteps : 0;
  const kernel = kernelCurves(analysis);
  const ruleStops = Object.fromEntries(STOPPING_RULES.map((rule) => [rule, stopping.rules[rule].stopSteps])) as Record<StageTwoRule, number>;
  const oracle = oracleSteps(analysis, maxSteps);

  const validation = compare.has('validation')
    ? validationEarlyStopping(
        network,
        analysis,
        { learningRate, maxSteps, defaultCheckEvery: Math.max(1, Math.round(Math.max(ruleSteps, oracle ?? 0) / 100)), seed: options.seed ?? 0 },
        options.validation ?? {},
        options.onProgress,
      )
    : undefined;
  // GCV does not set the horizon: on near-interpolating kernels its minimum sits at absurd times.
  const longest = Math.max(ruleSteps, ruleStops.reml, ruleStops.loo, oracle ?? 0, validation?.steps ?? 0);
  const horizon = Math.min(maxSteps, Math.max(1, Math.ceil((options.horizonFactor ?? 2) * longest)));
  const fixedSteps = options.fixedSteps ?? [];
  const marks = [ruleSteps, ...Object.values(ruleStops), ...(oracle === undefined ? [] : [oracle]), ...(validation ? [validation.steps] : []), ...fixedSteps];
  const steps = recordingSteps(horizon, options.curvePoints ?? 40, marks);
  const run = trainAndRecord(network, analysis, { recordAt: steps, keepAt: ruleSteps, lastStep: compare.has('horizon') ? horizon : ruleSteps }, options.onProgress, {
    batchSize,
    budgetSeconds: options.batchBudgetSeconds,
    seed: options.seed,
  });

  let report: TwoStageReport;
  try {
    const stops = assembleStops(analysis, kernel, run.measured, { ruleStops, oracle, validation, fixedSteps });
    const curves = curvePoints(steps, analysis, kernel, run.measured);
    report = assembleReport(network, analysis, { alpha: options.alpha ?? DEFAULT_ALPHA, maxSteps, ruleSteps, stops, curves, run, tfjs });
    if (classes) report.classification = classificationSection(run.kept, analysis, kernel, stops, classes);
    report.metrics = qualityMetrics(run.kept, analysis, kernel, { steps: ruleSteps, scaling, classes });
    if (!classes && network.outputDim === 1) report.interval = predictionInterval(run.kept, analysis, kernel, { steps: ruleSteps, level, scaling });
    if (ruleSteps > 0) report.kernelDrift = await kernelDrift(network, run.kept, analysis.x, options.seed ?? 0);
  } catch (error) {
    run.kept.dispose(); // the caller never receives it
    throw error;
  }
  return { report, network: run.kept };
}

const RULE_NOTES: Record<StageTwoRule, (time: number) => string> = {
  reml: (t) => `REML t̂ = ${t.toPrecision(4)}`,
  loo: (t) => `argmin of the exact leave-one-out loss, t̂ = ${t.toPrecision(4)}`,
  gcv: (t) => `argmin GCV(t) of the kernel model, t̂ = ${t.toPrecision(4)}`,
};

/** A rule's stop note; a capped stop says where the rule itself would stop (the steps shown are the cap's). */
function ruleNote(name: StageTwoRule, rule: RuleTime): string {
  const note = RULE_NOTES[name](rule.time);
  if (!rule.capped) return note;
  const own = Number.isFinite(rule.steps) ? `${rule.steps.toLocaleString('en-US')} steps` : 'never (t̂ = ∞)';
  return `${note}; capped: ≥ ${rule.stopSteps.toLocaleString('en-US')} steps, the cap (the rule itself stops at ${own})`;
}

function assembleStops(
  analysis: TwoStageAnalysis,
  kernel: KernelCurves,
  measured: MeasuredPoint[],
  at: { ruleStops: Record<StageTwoRule, number>; oracle?: number; validation?: ValidationStop; fixedSteps: number[] },
): StopPoint[] {
  const { learningRate, stopping } = analysis;
  const stop = (rule: StoppingRule, steps: number, note: string): StopPoint => {
    const testLoss = measured.find((m) => m.step === steps)?.testLoss;
    const kernelTestLoss = kernel.testLoss(steps);
    return { rule, steps, time: steps * learningRate, ...(kernelTestLoss === undefined ? {} : { kernelTestLoss }), ...(testLoss === undefined ? {} : { testLoss }), note };
  };
  const stops = STOPPING_RULES.map((rule) => ({
    ...stop(rule, at.ruleStops[rule], ruleNote(rule, stopping.rules[rule])),
    ...(stopping.rules[rule].capped ? { capped: true } : {}),
  }));
  if (at.oracle !== undefined) stops.push(stop('oracle', at.oracle, 'argmin of the kernel model’s test loss'));
  if (at.validation) {
    const vStop = stop('validation', at.validation.steps, 'validation early stopping (held-out rows, patience)');
    if (at.validation.testLoss !== undefined) vStop.testLoss = at.validation.testLoss;
    stops.push(vStop);
  }
  for (const steps of at.fixedSteps) stops.push(stop('fixed', steps, `a fixed ${steps} steps`));
  return stops;
}
