import type { RemlOutcome, TailMethod } from '@duality/mixed-model';
import type { PredictionInterval, QualityMetrics } from './metrics.js';
import type { FixedEffectColumn, InitialOutputCheck } from './fixed-effects.js';
import type { KernelDrift } from './kernel-drift.js';
import type { LinearModelSection } from './linear-model.js';
import type { LinearPart } from './linear-part.js';
import type { LowRankSummary } from './kernel-fit.js';
import type { StageTwoRule, StoppingTimes } from './stopping-rules.js';

/** The stopping rules a report compares. */
export type StoppingRule = 'reml' | 'loo' | 'gcv' | 'oracle' | 'validation' | 'fixed';

/** Losses at one step: the kernel model's (predicted) everywhere, the real network's (measured) where it was trained. */
export interface CurvePoint {
  step: number;
  /** Continuous time t = η·step. */
  time: number;
  /** (1/2n)‖f − y‖² of the network on the training set (summed over outputs); absent past the trained extent. */
  trainLoss?: number;
  /** Same on the test set (1/2n*), when test data were given and the network got to this step. */
  testLoss?: number;
  /** The linearised (kernel) model's training loss at this step: discrete-time GD, (1 − ηλ)^k. */
  kernelTrainLoss: number;
  kernelTestLoss?: number;
  /** (1/2)·LOO(t): the exact leave-one-out estimate of the out-of-sample loss, from the training data alone. */
  looLoss: number;
}

/** Where one rule stops, and what it costs. */
export interface StopPoint {
  rule: StoppingRule;
  /** Steps of full-batch GD at the report's learning rate. */
  steps: number;
  time: number;
  /** The kernel model's test loss at this stop (test data given). */
  kernelTestLoss?: number;
  /** The real network's test loss at this stop, when the rule was trained or the step was recorded. */
  testLoss?: number;
  /** How it was found, for the reader. */
  note: string;
  /** A stage-2 rule whose own stop lies past maxSteps: `steps` is the cap ("≥ steps, the cap"). */
  capped?: boolean;
}

/** Accuracy of one set of rows: the class of a row is argmax_k (f_k + offsets_k) (see `ClassTargets`). */
export interface ClassAccuracy {
  accuracy: number;
  /** Accuracy of always guessing the most frequent class of these rows: the baseline to beat. */
  majorityClass: number;
  /** counts[true class][predicted class], classes in `ClassificationSection.classes` order. */
  confusion: number[][];
}

/** A class target's report beside the squared loss. */
export interface ClassificationSection {
  classes: string[];
  /** The network at the rule's stop on the training rows. */
  train: ClassAccuracy;
  /** The same on the test rows (test data given). */
  test?: ClassAccuracy;
  /** The kernel model's test accuracy at each stop (test data given). */
  stops: { rule: StoppingRule; steps: number; kernelTestAccuracy?: number }[];
}

/** Everything `trainTwoStage` learned, as plain JSON-able data (the CLI writes it as report.json). */
export interface TwoStageReport {
  /** Training and test sizes, input and output dimensions. */
  data: { nTrain: number; nTest: number; inputDim: number; outputs: number };
  network: { parameterisation: string; hiddenWidths: number[]; activation: string; parameters: number };
  /** The initial output: centred (f0 ≡ 0) or the network's own, its size against y's, and whether it was projected. */
  initialOutput: InitialOutputCheck;
  /** The fixed effects projected out of the test and REML (not of the curves: the network has no such term). */
  fixedEffects: FixedEffectColumn[];
  kernel: {
    source: 'empirical' | 'analytic';
    /** The NTK's eigenvalues on the training scale Θ = J Jᵀ/n, descending (a low-rank kernel's r computed ones). */
    eigenvalues: number[];
    /** A low-rank (Nyström) kernel: its rank, landmarks and remainder (math.md §6). */
    lowRank?: LowRankSummary;
    /** Most negative eigenvalue seen before clipping to 0 (rounding). */
    mostNegativeEigenvalue: number;
    seconds: number;
  };
  learningRate: number;
  /** 2/λ1: gradient descent on the linearised model diverges at or above it. */
  maxStableLearningRate: number;
  test: {
    statistic: number;
    m: number;
    nullMean: number;
    nullVariance: number;
    /** May underflow to 0 where logP does not: `pText` is p as written, never "0". */
    p: number;
    logP: number;
    pText: string;
    method: TailMethod;
    relativeErrorEstimate: number;
    satterthwaiteP: number;
    alpha: number;
    convention: 'exact' | 'published';
    /** p < α: training is warranted. */
    reject: boolean;
  };
  reml: {
    outcome: RemlOutcome;
    /** t̂ (Infinity is written as null in JSON). */
    time: number;
    steps: number;
    noiseVariance: number;
    edf: number;
    logLikelihood: number;
    /** The profile log-likelihood over t (log-spaced), t̂ among the reader's marks. */
    profile: { time: number; logLikelihood: number }[];
  };
  /** Every stage-2 rule's stop (time, uncapped steps, outcome, capped steps), its criterion curve, and LOO's estimate at each stop. */
  stoppingRules: StoppingTimes;
  decision: {
    train: boolean;
    /** The stage-2 rule the run used. */
    rule: StageTwoRule;
    /** Steps actually trained by the rule (0 when not warranted; capped when t̂ is infinite or huge). */
    steps: number;
    /** Why, in a sentence. */
    reason: string;
    /** Set when the rule's steps exceeded maxSteps. */
    cappedAt?: number;
  };
  /** Ψ(t) (spectral-loss decorrelation, math.md §2.1) on the profile's grid: > 0 keep training, < 0 over-fitted. */
  decorrelation: { time: number; psi: number }[];
  /** ℓ_i(t̂), the spectral losses at the chosen rule's stop (t = 0 untrained), by eigenvalue (same order and length as kernel.eigenvalues). */
  spectralLossesAtStop: number[];
  /** Every rule's stop (LOO, REML and GCV always; oracle with test data; validation and fixed when asked). */
  stops: StopPoint[];
  /** Losses at log-spaced steps up to the horizon (a multiple of the longest stop other than GCV). */
  curves: CurvePoint[];
  /** With a class target (`classes` option): accuracy and confusion tables. */
  classification?: ClassificationSection;
  /** When the network trained: how far its NTK moved from θ0 to the stop, the premise of the statistics above. */
  kernelDrift?: KernelDrift;
  /**
   * With fixed effects 'linear' (math.md §7.3): the linear part x*ᵀβ̂(t̂) of the predictor, on the standardised
   * features; the network predicts the rest, so a saved model predicts intercept + Σ coefficients·x + f(x).
   */
  linearPart?: LinearPart;
  /** The linear model beside the network: the same engine on the linear kernel, the same rule, its test RMSE. */
  linearModel?: LinearModelSection;
  /**
   * Numbers in the target's own units: RMSE, MAE, R² (regression) or accuracy, log-loss, confusion (classes), for the
   * network trained to the rule's stop and for the kernel model (the linearised prediction) at the same stop.
   */
  metrics?: QualityMetrics;
  /** Regression: the leave-one-out (jackknife) prediction interval at the stop, centred on the network (math.md §7.4). */
  interval?: PredictionInterval;
  training: {
    /** Steps the rule trained (the returned network's). */
    steps: number;
    /** The last step the real network was measured at: the rule's stop, or the horizon with the 'horizon' comparator. */
    trainedTo: number;
    seconds: number;
    /**
     * Rows per step (nTrain: full batch; fewer: mini-batch SGD at the same η, t = η·step, math.md §7.2). Absent only
     * in reports written before mini-batch training existed.
     */
    batchSize?: number;
    /** Why that batch size, in a sentence. */
    batchRule?: string;
    tfjsBackend: string;
    linalgBackend: string;
    finalTrainLoss: number;
    finalTestLoss?: number;
  };
}
