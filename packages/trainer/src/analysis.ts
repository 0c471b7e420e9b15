import { Matrix64, toMatrix64, type MatrixLike } from '@duality/linalg-core';
import { checkDecisionOptions, twoStageDecision, type SpectralFit, type TwoStageDecision } from '@duality/mixed-model';
import type { DenseNetwork, LandmarkMethod } from '@duality/ntk';
import { resolveFixedEffects, type FixedEffectColumn, type FixedEffects, type InitialOutputCheck } from './fixed-effects.js';
import { checkLinearDesignSize, keptLinearDesign, type LinearDesign } from './linear-design.js';
import type { LinearPart } from './linear-part.js';
import type { KernelSource, NetworkKernel } from './kernel.js';
import type { KernelRank } from './kernel-factor.js';
import { computeKernel, fitKernel, REMAINDERS, type ComputedKernel, type LowRankSummary, type Remainder } from './kernel-fit.js';
import { checkedRule, DEFAULT_STOPPING_RULE, stoppingTimes, type StageTwoRule, type StoppingTimes } from './stopping-rules.js';
import type { TrainingProgress } from './progress.js';
import { gradientDescentTime, TrainerInputError } from './time.js';

/** The level of the score test when the caller names none. */
export const DEFAULT_ALPHA = 0.05;

export interface AnalysisOptions {
  /** Learning rate η, or 'auto' (default): 1/λ1 to two significant digits, the largest step with no oscillation. */
  learningRate?: number | 'auto';
  /** Level of the score test (default 0.05). */
  alpha?: number;
  /** 'exact' (default) or 'published' (the published toolkit's conventions, for comparison). */
  convention?: 'exact' | 'published';
  /** Kernel of the network at initialisation (default 'empirical') or of its infinite-width limit. */
  kernel?: KernelSource;
  /**
   * 'auto' (default): the dense kernel while it fits in this machine's memory, else a rank-`DEFAULT_RANK` Nyström
   * factor (math.md §6); 'full': always dense; r: a Nyström factor on r landmark rows.
   */
  rank?: KernelRank;
  /** How a low-rank kernel's landmark rows are drawn (default 'kmeans++'). */
  landmarks?: LandmarkMethod;
  /** A low-rank kernel's other n − r directions (default 'zero'; 'isotropic': the exact trace's missing part spread evenly). */
  remainder?: Remainder;
  /** Seed of the landmark draw (default 0). */
  seed?: number;
  /**
   * Fixed effects of the random-effects model in the test and REML: 'auto' (default) takes an intercept when the
   * targets were centred (mean 0 to rounding, as after standardising) and f0 when it is not negligible (math.md
   * §0.1: never for the centred networks Duality builds), so that the test's null is exact; or 'none' (the exact
   * duality), an intercept, f0 itself, or a design matrix (n×p covariates). The network has no such term, so curves
   * use the kernel alone. 'linear': an intercept and every feature (math.md §7.3): the test asks what the network adds
   * beyond a linear model, every rule uses the design, and `trainTwoStage` trains the network on what the linear part
   * β̂(t̂) leaves and predicts x*ᵀβ̂(t̂) + f(x*).
   */
  fixedEffects?: FixedEffects;
  /** The feature columns' names (x's column order), for the linear part's coefficients in the report. */
  featureNames?: string[];
  /** Held-out data: test curves, the oracle stop and test losses at every stop. */
  test?: { x: MatrixLike; y: MatrixLike | ArrayLike<number> };
  /** The stage-2 rule: when the test rejects, train to its stop (default in `DEFAULT_STOPPING_RULE`). */
  stoppingRule?: StageTwoRule;
  /** Most steps any run takes (default `DEFAULT_MAX_STEPS`, 100,000): a longer or infinite stop is capped here, and marked. */
  maxSteps?: number;
  onProgress?: (progress: TrainingProgress) => void;
}

/** Stage 1 and 2 without training: the kernel, the fit, the decision and the learning rate they imply. */
export interface TwoStageAnalysis {
  /**
   * The kernel's source, f0 and timing, and what a low-rank kernel used; Θ itself lives on in `fit` as its
   * eigendecomposition (no second n×n copy).
   */
  kernel: Omit<NetworkKernel, 'theta' | 'cross'> & { lowRank?: LowRankSummary };
  fit: SpectralFit;
  decision: TwoStageDecision;
  learningRate: number;
  /** λ1 of Θ: η·λ1 < 2 for gradient descent to converge. */
  largestEigenvalue: number;
  /** Full-batch steps to reach REML's t̂ at the learning rate (Infinity when t̂ = ∞), whatever the test decided. */
  remlSteps: number;
  /** The stage-2 rule in use (`decision.rule` is its curve, stop and cap), and its steps (uncapped; Infinity when its time is), whatever the test decided. */
  rule: StageTwoRule;
  ruleSteps: number;
  /** The cap on any run's steps. */
  maxSteps: number;
  /** Every stage-2 rule's stop, curve and cap, and the LOO estimate of out-of-sample loss at each stop. */
  stopping: StoppingTimes;
  /** The network's initial output and whether it was projected out of the test. */
  initialOutput: InitialOutputCheck;
  /** The fixed-effect design's columns in the test and REML (empty: the exact duality with no fixed effects). */
  fixedEffects: FixedEffectColumn[];
  /** With fixed effects 'linear': the design [1, features] and which features it kept (math.md §7.3). */
  linear?: LinearDesign;
  /** Once the run's stop is known (`withLinearPart`): β̂(t̂), the linear part of the predictor. */
  linearPart?: LinearPart;
  /** The targets as given, when y and test.y above are less the linear part the network trains beside. */
  targets?: { y: Matrix64; test?: { x: Matrix64; y: Matrix64 } };
  x: Matrix64;
  y: Matrix64;
  test?: { x: Matrix64; y: Matrix64 };
}

/** Targets as an n×k matrix, checked against the inputs' rows and for finiteness. */
export function checkedTargets(y: MatrixLike | ArrayLike<number>, rows: number, what: string): Matrix64 {
  const m = ArrayBuffer.isView(y) || (Array.isArray(y) && typeof y[0] === 'number')
    ? Matrix64.column(y as ArrayLike<number>)
    : toMatrix64(y as MatrixLike);
  if (m.rows !== rows) throw new TrainerInputError(`${what} has ${m.rows} rows but the inputs have ${rows}; they must match`);
  const bad = m.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new TrainerInputError(`${what}[${Math.floor(bad / m.cols)}] is ${m.data[bad]}; targets must be finite`);
  return m;
}

/** One of the allowed values, or an error naming them. */
function checkedChoice(value: string | undefined, allowed: readonly string[], what: string): void {
  if (value !== undefined && !allowed.includes(value)) throw new TrainerInputError(`unknown ${what} '${value}'; use ${allowed.join(' or ')}`);
}

/** The options a typo would otherwise turn into another analysis (an unknown kernel read as 'analytic'). */
function checkedAnalysisOptions(options: AnalysisOptions): void {
  checkDecisionOptions(options);
  checkedChoice(options.kernel, ['empirical', 'analytic'], 'kernel source');
  checkedChoice(options.remainder, REMAINDERS, 'remainder');
}

/** x rounded down to two significant digits (a learning rate that stays on the safe side of 1/λ1). */
function twoSignificantDown(x: number): number {
  const unit = 10 ** (Math.floor(Math.log10(x)) - 1);
  // toPrecision drops the binary noise of the product (0.0060999… → 0.0061).
  return Number((Math.floor(x / unit + 1e-9) * unit).toPrecision(2));
}

/** The runs' cap on steps, when the default is the trainer's. */
export const DEFAULT_MAX_STEPS = 100_000;

/** The decision's parts (twoStageDecision's stages) as a progress line names them. */
const DECISION_STAGES: Record<'test' | StageTwoRule, string> = {
  test: 'the score test of t = 0',
  reml: "REML's profile likelihood",
  loo: 'the leave-one-out rule',
  gcv: 'the GCV rule',
};

function checkedMaxSteps(maxSteps: number | undefined): void {
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps >= 1)) throw new TrainerInputError(`maxSteps must be a positive integer, got ${maxSteps}`);
}

/** Below this η·λ1 no step count of use moves the outputs (and step counts leave the integers a double holds). */
const MIN_STEP_SCALE = 1e-9;

/** The requested learning rate, or 1/λ1 rounded down; refused where gradient descent would diverge (η·λ1 ≥ 2). */
function stableLearningRate(requested: number | 'auto', lambda1: number): number {
  if (!(lambda1 > 0)) throw new TrainerInputError('the kernel is zero: the network cannot move its outputs (check its weights)');
  const learningRate = requested === 'auto' ? twoSignificantDown(1 / lambda1) : requested;
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new TrainerInputError(`learning rate must be a positive number, got ${requested}`);
  }
  if (learningRate * lambda1 < MIN_STEP_SCALE) {
    throw new TrainerInputError(
      `learning rate ${learningRate} is too small for this kernel: η·λ1 = ${(learningRate * lambda1).toPrecision(3)}, so even the fastest ` +
        `direction needs over ${(1 / MIN_STEP_SCALE).toPrecision(1)} steps to move; use about 1/λ1 = ${twoSignificantDown(1 / lambda1)}`,
    );
  }
  if (learningRate * lambda1 >= 2) {
    throw new TrainerInputError(
      `learning rate ${learningRate} is too large for this kernel: η·λ1 = ${(learningRate * lambda1).toPrecision(3)} ≥ 2, ` +
        `so gradient descent diverges; use less than ${twoSignificantDown(2 / lambda1)} (1/λ1 = ${twoSignificantDown(1 / lambda1)} is safe)`,
    );
  }
  return learningRate;
}

/**
 * The two-stage decision for a network, without training: its NTK and f0 at the current weights, the exact score
 * test of t = 0 and every stage-2 rule's stop (the chosen one decides), in time and in steps at the learning rate
 * (checked for stability).
 */
export async function analyzeTwoStage(
  network: DenseNetwork,
  xInput: MatrixLike,
  yInput: MatrixLike | ArrayLike<number>,
  options: AnalysisOptions = {},
): Promise<TwoStageAnalysis> {
  const rule = checkedRule(options.stoppingRule ?? DEFAULT_STOPPING_RULE);
  checkedMaxSteps(options.maxSteps);
  const x = toMatrix64(xInput);
  const y = checkedTargets(yInput, x.rows, 'y');
  if (y.cols !== network.outputDim) {
    throw new TrainerInputError(`y has ${y.cols} output columns but the network has ${network.outputDim} outputs`);
  }
  checkedAnalysisOptions(options);
  const testX = options.test ? toMatrix64(options.test.x) : undefined;
  if (testX && testX.cols !== x.cols) throw new TrainerInputError(`test x has ${testX.cols} columns but x has ${x.cols}; they must match`);
  const test = testX ? { x: testX, y: checkedTargets(options.test!.y, testX.rows, 'test y') } : undefined;
  // A design too wide for the beyond-linear test is refused before the kernel, which at large n takes minutes.
  if (options.fixedEffects === 'linear') checkLinearDesignSize(x);
  options.onProgress?.({ phase: 'kernel', step: 0, totalSteps: 0 });
  const source = options.kernel ?? 'empirical';
  let computed: ComputedKernel | undefined = await computeKernel(network, x, test?.x, { source, rank: options.rank, landmarks: options.landmarks, seed: options.seed });
  const { f0, f0Test, seconds } = computed;
  const resolved = resolveFixedEffects(options.fixedEffects ?? 'auto', f0, y, network.initialOutput, x);
  const { design, columns: fixedEffects, initialOutput } = resolved;
  const stage = (what: string) => options.onProgress?.({ phase: 'decision', step: 0, totalSteps: 0, stage: what });
  options.onProgress?.({ phase: 'decision', step: 0, totalSteps: 0 });
  stage(design ? "the kernel's spectrum, with the fixed effects projected on it" : "the kernel's spectrum");
  const dependentDesignColumns = resolved.linear ? 'drop' : 'refuse';
  const { fit, lowRank } = fitKernel(computed, { y, f0, design, dependentDesignColumns }, options.remainder);
  const linear = resolved.linear && fit.designColumns ? keptLinearDesign(x, resolved.linear, fit.designColumns) : resolved.linear;
  computed = undefined; // Θ or its factor lives on only as the fit's spectrum: let the n×n (or n×r) buffer go now
  const kernel = { source, f0, ...(f0Test ? { f0Test } : {}), seconds, ...(lowRank ? { lowRank } : {}) };
  const lambda1 = fit.eigenvalues[0]!;
  const learningRate = stableLearningRate(options.learningRate ?? 'auto', lambda1);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const decision = twoStageDecision(fit, {
    alpha: options.alpha ?? DEFAULT_ALPHA,
    convention: options.convention ?? 'exact',
    rule,
    learningRate,
    maxSteps,
    // The network's path has no fixed effects, except the linear part it trains beside (math.md §7.3).
    pathUsesDesign: linear !== undefined,
    onStage: (part) => stage(DECISION_STAGES[part]),
  });
  stage("the other rules' stops, for comparison");
  const stopping = stoppingTimes(fit, decision, { ...gradientDescentTime(learningRate, lambda1), maxSteps });
  const analysis = { kernel, fit, decision, learningRate, largestEigenvalue: lambda1, initialOutput, fixedEffects, x, y, test, ...(linear ? { linear } : {}) };
  return { ...analysis, remlSteps: stopping.rules.reml.steps, rule, ruleSteps: stopping.rules[rule].steps, maxSteps, stopping };
}
