import { backendInfo, Matrix64, toMatrix64, type MatrixLike } from '@duality/linalg-core';
import {
  fitSpectral,
  gcvTime,
  oracleTime,
  pathAt,
  predictAt,
  twoStageDecision,
  type SpectralFit,
  type TrainingTime,
  type TwoStageDecision,
} from '@duality/mixed-model';
import { initTensorflow, type DenseNetwork } from '@duality/ntk';
import { seededPermutation } from '@duality/tabular';
import { GradientDescent, LossProbe } from './gradient-descent.js';
import { networkKernel, type KernelSource, type NetworkKernel } from './kernel.js';
import type { CurvePoint, StopPoint, TwoStageReport } from './report.js';
import { resolveFixedEffects, type FixedEffectColumn, type FixedEffects, type InitialOutputCheck } from './fixed-effects.js';
import { TrainerInputError } from './time.js';

export interface ValidationOptions {
  /** Fraction of the training rows held out (default 0.2). */
  fraction?: number;
  /** Checks without improvement before stopping (default 20). */
  patience?: number;
  /** Steps between checks (default: about 1% of the longest other stop, at least 1). */
  checkEvery?: number;
}

export interface TwoStageOptions {
  /** Learning rate η, or 'auto' (default): 1/λ1 to two significant digits, the largest step with no oscillation. */
  learningRate?: number | 'auto';
  /** Level of the score test (default 0.05). */
  alpha?: number;
  /** 'exact' (default) or 'published' (the published toolkit's conventions, for comparison). */
  convention?: 'exact' | 'published';
  /** Kernel of the network at initialisation (default 'empirical') or of its infinite-width limit. */
  kernel?: KernelSource;
  /**
   * Fixed effects of the random-effects model in the test and REML: 'auto' (default) takes an intercept when the
   * targets were centred (mean 0 to rounding, as after standardising) and f0 when it is not negligible (math.md
   * §0.1: never for the centred networks Duality builds), so that the test's null is exact; or 'none' (the exact
   * duality), an intercept, f0 itself, or a design matrix (n×p covariates). The network has no such term, so curves
   * use the kernel alone.
   */
  fixedEffects?: FixedEffects;
  /** Held-out data: test curves, the oracle stop and test losses at every stop. */
  test?: { x: MatrixLike; y: MatrixLike | ArrayLike<number> };
  /** Most steps any run takes (default 100,000): an infinite or huge t̂ is capped here, and the cap reported. */
  maxSteps?: number;
  /** The validation early-stopping comparator (default on), or false. */
  validation?: ValidationOptions | false;
  /** Fixed step counts to compare with (e.g. [50000]): kernel-predicted losses there. */
  fixedSteps?: number[];
  /** Record curves up to this multiple of the longest stop (default 2). */
  horizonFactor?: number;
  /** Points on the loss curves (default 40, log-spaced). */
  curvePoints?: number;
  /** Seed of the validation split (default 0). */
  seed?: number;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface TrainingProgress {
  phase: 'kernel' | 'decision' | 'validation' | 'training';
  step: number;
  totalSteps: number;
  trainLoss?: number;
}

export interface TwoStageResult {
  report: TwoStageReport;
  /** The network at the rule's stop: the initial weights when training is not warranted. The caller disposes it. */
  network: DenseNetwork;
}

const DEFAULT_MAX_STEPS = 100_000;

function targets(y: MatrixLike | ArrayLike<number>, rows: number, what: string): Matrix64 {
  const m = ArrayBuffer.isView(y) || (Array.isArray(y) && typeof y[0] === 'number')
    ? Matrix64.column(y as ArrayLike<number>)
    : toMatrix64(y as MatrixLike);
  if (m.rows !== rows) throw new TrainerInputError(`${what} has ${m.rows} rows but the inputs have ${rows}; they must match`);
  const bad = m.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new TrainerInputError(`${what}[${Math.floor(bad / m.cols)}] is ${m.data[bad]}; targets must be finite`);
  return m;
}

/** x rounded down to two significant digits (a learning rate that stays on the safe side of 1/λ1). */
function twoSignificantDown(x: number): number {
  const unit = 10 ** (Math.floor(Math.log10(x)) - 1);
  // toPrecision drops the binary noise of the product (0.0060999… → 0.0061).
  return Number((Math.floor(x / unit + 1e-9) * unit).toPrecision(2));
}

/** (1/2n)‖A − B‖²_F. */
function halfMeanSquared(a: Matrix64, b: Matrix64): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i]! - b.data[i]!) ** 2;
  return s / (2 * a.rows);
}

/** The linearised model's training loss at a time: (1/2n)‖Uᵀ(y − f_t)‖² (no fixed effects: the network has none). */
function kernelTrainLoss(fit: SpectralFit, time: TrainingTime): number {
  const r = pathAt(fit, time, { useDesign: false }).residualProjections.data;
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
  return s / (2 * fit.n);
}

/** Log-spaced steps from 1 to `last`, with 0 and the `marks` that fall inside. */
function recordingSteps(last: number, points: number, marks: number[]): number[] {
  const steps = new Set<number>([0]);
  for (let i = 0; i < points && last >= 1; i++) steps.add(Math.round(Math.exp((Math.log(last) * i) / Math.max(points - 1, 1))));
  for (const m of marks) if (m <= last) steps.add(m);
  return [...steps].sort((a, b) => a - b);
}

interface ValidationStop {
  steps: number;
  network: DenseNetwork;
}

/** Validation early stopping: train on the kept rows, check the held-out loss, restore the best weights. */
function validationEarlyStopping(
  network: DenseNetwork,
  x: Matrix64,
  y: Matrix64,
  learningRate: number,
  maxSteps: number,
  defaultCheckEvery: number,
  options: ValidationOptions,
  seed: number,
  onProgress: TwoStageOptions['onProgress'],
): ValidationStop {
  const fraction = options.fraction ?? 0.2;
  const patience = options.patience ?? 20;
  const checkEvery = options.checkEvery ?? defaultCheckEvery;
  const nHeld = Math.round(x.rows * fraction);
  if (!(fraction > 0 && fraction < 1) || nHeld < 1 || x.rows - nHeld < 3) {
    throw new TrainerInputError(`validation fraction ${fraction} leaves no usable split of ${x.rows} rows; use 0.1–0.3`);
  }
  const order = seededPermutation(x.rows, seed);
  const pick = (m: Matrix64, rows: number[]) => {
    const out = new Matrix64(rows.length, m.cols);
    rows.forEach((r, i) => out.row(i).set(m.row(r)));
    return out;
  };
  const kept = order.slice(nHeld);
  const held = order.slice(0, nHeld);
  const run = new GradientDescent(network, pick(x, kept), pick(y, kept), learningRate);
  const probe = new LossProbe(pick(x, held), pick(y, held));
  try {
    let best = { steps: 0, loss: probe.loss(run.forward), network: run.snapshot() };
    let sinceBest = 0;
    while (run.steps < maxSteps && sinceBest < patience) {
      run.step(Math.min(checkEvery, maxSteps - run.steps));
      const loss = probe.loss(run.forward);
      onProgress?.({ phase: 'validation', step: run.steps, totalSteps: maxSteps });
      if (loss < best.loss) {
        best.network.dispose();
        best = { steps: run.steps, loss, network: run.snapshot() };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
    }
    return { steps: best.steps, network: best.network };
  } finally {
    run.dispose();
    probe.dispose();
  }
}

/** Stage 1 and 2 without training: the kernel, the fit, the decision and the learning rate they imply. */
export interface TwoStageAnalysis {
  kernel: NetworkKernel;
  fit: SpectralFit;
  decision: TwoStageDecision;
  learningRate: number;
  /** λ1 of Θ: η·λ1 < 2 for gradient descent to converge. */
  largestEigenvalue: number;
  /** Full-batch steps to reach t̂ at the learning rate (Infinity when t̂ = ∞), whatever the test decided. */
  remlSteps: number;
  /** The network's initial output and whether it was projected out of the test. */
  initialOutput: InitialOutputCheck;
  /** The fixed-effect design's columns in the test and REML (empty: the exact duality with no fixed effects). */
  fixedEffects: FixedEffectColumn[];
  x: Matrix64;
  y: Matrix64;
  test?: { x: Matrix64; y: Matrix64 };
}

export type AnalysisOptions = Pick<
  TwoStageOptions,
  'learningRate' | 'alpha' | 'convention' | 'kernel' | 'fixedEffects' | 'test' | 'onProgress'
>;

/**
 * The two-stage decision for a network, without training: its NTK and f0 at the current weights, the exact score
 * test of t = 0 and the REML stopping time, in time and in steps at the learning rate (checked for stability).
 */
export async function analyzeTwoStage(
  network: DenseNetwork,
  xInput: MatrixLike,
  yInput: MatrixLike | ArrayLike<number>,
  options: AnalysisOptions = {},
): Promise<TwoStageAnalysis> {
  const x = toMatrix64(xInput);
  const y = targets(yInput, x.rows, 'y');
  if (y.cols !== network.outputDim) {
    throw new TrainerInputError(`y has ${y.cols} output columns but the network has ${network.outputDim} outputs`);
  }
  const testX = options.test ? toMatrix64(options.test.x) : undefined;
  const test = testX ? { x: testX, y: targets(options.test!.y, testX.rows, 'test y') } : undefined;
  options.onProgress?.({ phase: 'kernel', step: 0, totalSteps: 0 });
  const kernel = await networkKernel(network, x, test?.x, options.kernel ?? 'empirical');
  const { design, columns: fixedEffects, initialOutput } = resolveFixedEffects(options.fixedEffects ?? 'auto', kernel.f0, y, network.initialOutput);
  options.onProgress?.({ phase: 'decision', step: 0, totalSteps: 0 });
  const fit = fitSpectral({ kernel: kernel.theta, y, f0: kernel.f0, design, crossKernel: kernel.cross });
  const decision = twoStageDecision(fit, { alpha: options.alpha ?? 0.05, convention: options.convention ?? 'exact' });
  const lambda1 = fit.eigenvalues[0]!;
  if (!(lambda1 > 0)) throw new TrainerInputError('the kernel is zero: the network cannot move its outputs (check its weights)');
  const requested = options.learningRate ?? 'auto';
  const learningRate = requested === 'auto' ? twoSignificantDown(1 / lambda1) : requested;
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new TrainerInputError(`learning rate must be a positive number, got ${requested}`);
  }
  if (learningRate * lambda1 >= 2) {
    throw new TrainerInputError(
      `learning rate ${learningRate} is too large for this kernel: η·λ1 = ${(learningRate * lambda1).toPrecision(3)} ≥ 2, ` +
        `so gradient descent diverges; use less than ${twoSignificantDown(2 / lambda1)} (1/λ1 = ${twoSignificantDown(1 / lambda1)} is safe)`,
    );
  }
  const remlSteps = stepsAt(decision.reml.time, learningRate);
  return { kernel, fit, decision, learningRate, largestEigenvalue: lambda1, remlSteps, initialOutput, fixedEffects, x, y, test };
}

function stepsAt(time: number, learningRate: number): number {
  return time === Infinity ? Infinity : Math.round(time / learningRate);
}

/**
 * Duality's two-stage rule on a real network: the empirical NTK and f0 at initialisation → the exact score test of
 * t = 0 → if p ≥ α no training, else full-batch gradient descent for round(t̂_REML/η) steps. Alongside, the
 * comparators (GCV, oracle with test data, validation early stopping, fixed step counts) and the network's
 * measured loss curves beside the kernel's predicted ones.
 */
export async function trainTwoStage(
  network: DenseNetwork,
  xInput: MatrixLike,
  yInput: MatrixLike | ArrayLike<number>,
  options: TwoStageOptions = {},
): Promise<TwoStageResult> {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1)) throw new TrainerInputError(`maxSteps must be a positive integer, got ${maxSteps}`);
  const alpha = options.alpha ?? 0.05;
  const onProgress = options.onProgress;
  const tfjs = await initTensorflow();
  const { kernel, fit, decision, learningRate, largestEigenvalue: lambda1, remlSteps, initialOutput, fixedEffects, x, y, test } = await analyzeTwoStage(
    network,
    xInput,
    yInput,
    options,
  );
  const stepsOf = (t: number) => stepsAt(t, learningRate);
  const ruleSteps = decision.train ? Math.min(remlSteps, maxSteps) : 0;

  // The kernel curves follow gradient descent exactly, (1 − ηλ)^k, where mixed-model's discrete time is defined
  // (ηλ1 < 1); between 1/λ1 and 2/λ1 GD oscillates on the top modes and continuous time t = η·k stands in.
  const kernelTime = (steps: number): TrainingTime =>
    learningRate * lambda1 < 1 ? { learningRate, steps } : steps * learningRate;
  const kernelTestLoss = (steps: number) =>
    test ? halfMeanSquared(predictAt(fit, kernelTime(steps), { f0New: kernel.f0Test }, { useDesign: false }), test.y) : undefined;
  const gcv = gcvTime(fit, { useDesign: false });
  const oracle = test ? oracleTime(fit, { testTargets: test.y, f0New: kernel.f0Test }, { useDesign: false }) : undefined;
  const gcvSteps = Math.min(stepsOf(gcv.time), maxSteps);
  const oracleSteps = oracle ? Math.min(stepsOf(oracle.time), maxSteps) : 0;

  const validation =
    options.validation === false
      ? undefined
      : validationEarlyStopping(
          network,
          x,
          y,
          learningRate,
          maxSteps,
          Math.max(1, Math.round(Math.max(ruleSteps, oracleSteps) / 100)),
          options.validation ?? {},
          options.seed ?? 0,
          onProgress,
        );

  const horizonFactor = options.horizonFactor ?? 2;
  // GCV does not set the horizon: on near-interpolating kernels its minimum sits at absurd times.
  const horizon = Math.min(
    maxSteps,
    Math.max(1, Math.ceil(horizonFactor * Math.max(ruleSteps, oracleSteps, validation?.steps ?? 0))),
  );
  const marks = [ruleSteps, gcvSteps, oracleSteps, validation?.steps ?? 0];
  const recordAt = recordingSteps(horizon, options.curvePoints ?? 40, marks);

  // The main run: record measured and predicted losses, keep the weights at the rule's stop.
  const started = performance.now();
  const run = new GradientDescent(network, x, y, learningRate);
  const trainProbe = new LossProbe(x, y);
  const testProbe = test ? new LossProbe(test.x, test.y) : undefined;
  const curves: CurvePoint[] = [];
  let stopped: DenseNetwork | undefined;
  try {
    for (const step of recordAt) {
      run.step(step - run.steps);
      const t = step * learningRate;
      const point: CurvePoint = {
        step,
        time: t,
        trainLoss: trainProbe.loss(run.forward),
        kernelTrainLoss: kernelTrainLoss(fit, kernelTime(step)),
      };
      if (testProbe) {
        point.testLoss = testProbe.loss(run.forward);
        point.kernelTestLoss = kernelTestLoss(step);
      }
      curves.push(point);
      if (step === ruleSteps) stopped = run.snapshot();
      onProgress?.({ phase: 'training', step, totalSteps: horizon, trainLoss: point.trainLoss });
    }
  } finally {
    run.dispose();
    trainProbe.dispose();
    testProbe?.dispose();
  }
  const seconds = (performance.now() - started) / 1000;

  const measured = (steps: number) => curves.find((c) => c.step === steps)?.testLoss;
  const stop = (rule: StopPoint['rule'], steps: number, note: string): StopPoint => ({
    rule,
    steps,
    time: steps * learningRate,
    kernelTestLoss: kernelTestLoss(steps),
    testLoss: measured(steps),
    note,
  });
  const stops: StopPoint[] = [
    stop('reml', ruleSteps, decision.train ? `REML t̂ = ${decision.reml.time.toPrecision(4)}` : `p ≥ α: no training`),
    stop('gcv', gcvSteps, 'argmin GCV(t) of the kernel model'),
  ];
  if (oracle) stops.push(stop('oracle', oracleSteps, 'argmin of the kernel model’s test loss'));
  if (validation) {
    const vStop = stop('validation', validation.steps, 'validation early stopping (held-out rows, patience)');
    if (test) {
      const probe = new LossProbe(test.x, test.y);
      vStop.testLoss = probe.loss((t) => validation.network.forwardWith(validation.network.parameters(), t));
      probe.dispose();
    }
    validation.network.dispose();
    stops.push(vStop);
  }
  for (const steps of options.fixedSteps ?? []) stops.push(stop('fixed', steps, `a fixed ${steps} steps`));

  const profile = decision.reml.profile;
  const profileTimes = Array.from(profile.times);
  const stopTime = Math.min(decision.reml.time, maxSteps * learningRate);
  const report: TwoStageReport = {
    data: { nTrain: x.rows, nTest: test?.x.rows ?? 0, inputDim: x.cols, outputs: y.cols },
    network: {
      parameterisation: network.parameterisation,
      hiddenWidths: network.plans.slice(0, -1).map((p) => p.fanOut),
      activation: network.plans[0]!.activation.name,
      parameters: network.plans.reduce((s, p) => s + p.fanIn * p.fanOut + (p.biasScale === 0 ? 0 : p.fanOut), 0),
    },
    initialOutput,
    fixedEffects,
    kernel: {
      source: kernel.source,
      eigenvalues: Array.from(fit.eigenvalues),
      mostNegativeEigenvalue: fit.mostNegativeEigenvalue,
      seconds: kernel.seconds,
    },
    learningRate,
    maxStableLearningRate: 2 / lambda1,
    test: {
      statistic: decision.test.statistic,
      m: decision.test.m,
      nullMean: decision.test.nullMean,
      nullVariance: decision.test.nullVariance,
      p: decision.test.p,
      logP: decision.test.logP,
      method: decision.test.method,
      relativeErrorEstimate: decision.test.relativeErrorEstimate,
      satterthwaiteP: decision.test.satterthwaiteP,
      alpha,
      convention: decision.convention,
      reject: decision.train,
    },
    reml: {
      outcome: decision.reml.outcome,
      time: decision.reml.time,
      steps: remlSteps,
      noiseVariance: decision.reml.noiseVariance,
      edf: decision.reml.edf,
      logLikelihood: decision.reml.logLikelihood,
      profile: profileTimes.map((time, i) => ({ time, logLikelihood: profile.logLikelihood[i]! })),
    },
    decision: {
      train: decision.train,
      steps: ruleSteps,
      reason: decision.train
        ? `the score test rejects t = 0 (p = ${decision.decidingP.toPrecision(3)} < α = ${alpha}); ` +
          `REML stops at t̂ = ${decision.reml.time.toPrecision(4)} (${decision.reml.outcome})`
        : `the score test does not reject t = 0 (p = ${decision.decidingP.toPrecision(3)} ≥ α = ${alpha}): ` +
          `the targets look like noise to this kernel, so the initial network is kept`,
      ...(decision.train && remlSteps > maxSteps ? { cappedAt: maxSteps } : {}),
    },
    decorrelation: profileTimes.map((time) => ({ time, psi: pathAt(fit, time, { useDesign: false }).decorrelation })),
    spectralLossesAtStop: Array.from(pathAt(fit, decision.train ? stopTime : 0, { useDesign: false }).spectralLosses),
    stops,
    curves,
    training: {
      steps: ruleSteps,
      seconds,
      tfjsBackend: tfjs.backend,
      linalgBackend: backendInfo().name,
      finalTrainLoss: curves.find((c) => c.step === ruleSteps)!.trainLoss,
      finalTestLoss: measured(ruleSteps),
    },
  };
  return { report, network: stopped! };
}
