import { totalmem } from 'node:os';
import { Matrix64 } from '@duality/linalg-core';
import { buildNetwork, INITIAL_OUTPUTS, LANDMARK_METHODS, layerPlans, parameterCount, validateSpec, type ActivationName, type DenseNetwork, type InitialOutput, type LandmarkMethod, type MlpSpec, type Parameterisation } from '@duality/ntk';
import { DEFAULT_RANK, DEFAULT_STOPPING_RULE, gigabytes, kernelPlan, loadNetwork, MEMORY_SHARE, modelFiles, REMAINDERS, NETWORK_DEFAULTS, STOPPING_RULES, type FixedEffects, type KernelRank, type Remainder, type StageTwoRule } from '@duality/trainer';
import type { Design } from '@duality/tabular';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';

/** Whether a flag was typed on the command line (not defaulted): commander's value source. */
export function typedFlags(command: Command): (key: string) => boolean {
  return (key) => command.getOptionValueSource(key) === 'cli';
}


export interface NetworkOptions {
  hidden: string;
  activation: string;
  slope: string;
  parameterisation: string;
  weightStd: string;
  biasStd: string;
  outputStd?: string;
  /** Default: zero for a network the flags describe, keep for a --model. */
  initialOutput?: InitialOutput;
  model?: string;
  seed: string;
}

/** How the kernel is held: dense, or a Nyström factor on landmark rows (math.md §6). */
export interface KernelSizeOptions {
  rank: string;
  landmarks: LandmarkMethod;
  remainder: Remainder;
}

export interface DecisionOptions extends KernelSizeOptions {
  kernel: 'empirical' | 'analytic';
  fixedEffects: string;
  alpha: string;
  learningRate: string;
  convention: 'exact' | 'published';
  rule: StageTwoRule;
}


/** Network options, defaulting to the trainer's default network (the demo asks for narrower layers). */
export function addNetworkOptions(command: Command, defaults: { hidden?: string } = {}): Command {
  command
    .option('--hidden <widths>', 'hidden layer widths, comma-separated', defaults.hidden ?? NETWORK_DEFAULTS.hiddenWidths.join(','))
    .addOption(
      new Option('--activation <name>', 'activation of the hidden layers')
        .choices(['relu', 'leaky_relu', 'erf', 'tanh', 'gelu', 'sigmoid', 'identity'])
        .default(NETWORK_DEFAULTS.activation),
    )
    .option('--slope <a>', 'leaky_relu: slope for x < 0', '0.01')
    .addOption(new Option('--parameterisation <p>', 'how weights are scaled').choices(['standard', 'ntk', 'mup']).default(NETWORK_DEFAULTS.parameterisation))
    .option('--weight-std <s>', 'σ_w of the hidden layers', String(NETWORK_DEFAULTS.weightStd))
    .option('--bias-std <s>', 'σ_b', String(NETWORK_DEFAULTS.biasStd))
    .option('--output-std <s>', 'σ_w of the output layer (default: --weight-std)')
    .addOption(
      new Option(
        '--initial-output <mode>',
        `zero: the centred network g − g₀, whose output starts at exactly 0; keep: the network's own f0 (default: ${NETWORK_DEFAULTS.initialOutput}; keep for a --model)`,
      ).choices([...INITIAL_OUTPUTS]),
    )
    .option('--model <model.json>', 'your own network instead of the flags above: a TF.js layers model (a Sequential of Dense layers), its weights beside it');
  return command;
}

export function addKernelSizeOptions(command: Command): Command {
  return command
    .option(
      '--rank <r>',
      `auto: the dense n×n kernel while it fits in memory, else a rank-${DEFAULT_RANK} Nyström kernel (said on stderr); full: always dense; or a number of landmark rows`,
      'auto',
    )
    .addOption(new Option('--landmarks <method>', 'how a low-rank kernel’s landmark rows are drawn').choices([...LANDMARK_METHODS]).default('kmeans++'))
    .addOption(
      new Option('--remainder <r>', 'a low-rank kernel’s other directions: zero (Θ ≈ F Fᵀ, agreed better with the dense path) or isotropic (the trace it misses, spread evenly)')
        .choices([...REMAINDERS])
        .default('zero'),
    );
}

/** --rank as the trainer takes it. */
export function parseRank(value: string): KernelRank {
  if (value === 'auto' || value === 'full') return value;
  return parseNumber(value, '--rank', (x) => Number.isInteger(x) && x >= 1, "'auto', 'full' or a positive integer (landmark rows)");
}

/** The kernel plan for n rows, with the one line that says when 'auto' switched to low rank (stderr, never stdout). */
export function announcedRank(n: number, options: KernelSizeOptions & { quiet?: boolean }): KernelRank {
  const rank = parseRank(options.rank);
  const plan = kernelPlan(n, rank);
  if (plan.kind === 'low-rank' && rank === 'auto' && !options.quiet) process.stderr.write(`${plan.reason}\n`);
  return rank;
}

export function addDecisionOptions(command: Command): Command {
  addKernelSizeOptions(command);
  return command
    .addOption(new Option('--kernel <source>', 'the network’s own NTK at initialisation, or its infinite-width limit').choices(['empirical', 'analytic']).default('empirical'))
    .option('--fixed-effects <x>', "auto (an intercept when the targets are centred, as after standardising, plus f0 when the initial output is not negligible), none, intercept, f0, linear (an intercept and every feature: does the network add anything beyond a linear model? train fits the network to what the linear part leaves), or comma-separated feature columns (with an intercept)", 'auto')
    .option('--alpha <a>', 'level of the score test of t = 0', '0.05')
    .option('--learning-rate <eta>', "learning rate η, or 'auto' (1/λ1 rounded down)", 'auto')
    .addOption(
      new Option('--rule <rule>', 'stage 2, how long to train: exact leave-one-out (the default), REML (the paper’s) or GCV; every rule’s stop is reported')
        .choices([...STOPPING_RULES])
        .default(DEFAULT_STOPPING_RULE),
    )
    .addOption(new Option('--convention <c>', "'published': the published toolkit's conventions, for comparison").choices(['exact', 'published']).default('exact'));
}

export function parseNumber(value: string, flag: string, check: (x: number) => boolean, expected: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !check(x)) {
    throw new UsageError(`${flag} must be ${expected}, got '${value}'`);
  }
  return x;
}

const positive = (x: number) => x > 0;

export function parseSeed(value: string): number {
  return parseNumber(value, '--seed', (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
}

export function parseLearningRate(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parseNumber(value, '--learning-rate', positive, "a positive number or 'auto'");
}

export function parseAlpha(value: string): number {
  return parseNumber(value, '--alpha', (x) => x > 0 && x < 1, 'in (0, 1)');
}


function widths(value: string): number[] {
  const parts = value.split(',').map((w) => w.trim());
  return parts.map((w) =>
    parseNumber(w, '--hidden', (x) => Number.isInteger(x) && x >= 1, 'comma-separated positive integers like 256,256'),
  );
}

/** The MLP spec the options describe (validated by @duality/ntk, whose errors name the field). */
export function networkSpec(inputDim: number, options: NetworkOptions, outputDim = 1): MlpSpec {
  const hiddenWidths = widths(options.hidden);
  const weightStd = parseNumber(options.weightStd, '--weight-std', positive, 'a positive number');
  const outputStd =
    options.outputStd === undefined ? weightStd : parseNumber(options.outputStd, '--output-std', positive, 'a positive number');
  const name = options.activation as ActivationName;
  const activation =
    name === 'leaky_relu'
      ? { name, slope: parseNumber(options.slope, '--slope', Number.isFinite, 'a number') }
      : { name: name as Exclude<ActivationName, 'leaky_relu'> };
  const spec = validateSpec({
    inputDim,
    hiddenWidths,
    activation,
    weightStd: [...hiddenWidths.map(() => weightStd), outputStd],
    biasStd: parseNumber(options.biasStd, '--bias-std', (x) => x >= 0, 'a non-negative number'),
    parameterisation: options.parameterisation as Parameterisation,
    outputDim,
  });
  checkNetworkSize(spec);
  return spec;
}

/** Bytes a network of P parameters holds while training: float32 weights, the frozen initial copy, the variables, the gradients. */
const BYTES_PER_PARAMETER = 16;

/** Refuse widths whose network cannot fit in this machine's memory, before anything is allocated. */
function checkNetworkSize(spec: MlpSpec): void {
  const parameters = parameterCount(layerPlans(spec));
  const bytes = BYTES_PER_PARAMETER * parameters;
  if (bytes > MEMORY_SHARE * totalmem()) {
    throw new UsageError(
      `--hidden ${spec.hiddenWidths.join(',')} makes a network of ${parameters.toLocaleString('en-US')} parameters, about ` +
        `${gigabytes(bytes)} to train, more than ${100 * MEMORY_SHARE}% of this machine's ${gigabytes(totalmem())}; use narrower layers`,
    );
  }
}

/** The user's files a command reads, which --force must never overwrite: the data, and a --model with its weights. */
export function userInputs(file: string | undefined, model: string | undefined): string[] {
  return [...(file ? [file] : []), ...(model ? modelFiles(model) : [])];
}

/** The flags that describe a network Duality builds: with --model the network is the model's, so they are refused. */
const ARCHITECTURE_FLAGS = ['hidden', 'activation', 'slope', 'parameterisation', 'weightStd', 'biasStd', 'outputStd'] as const;

/** `--weight-std` for `weightStd`. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The user's model, checked against the data: as many inputs as features, as many outputs as target columns. */
async function modelNetwork(path: string, design: Design, options: NetworkOptions): Promise<DenseNetwork> {
  const network = await loadNetwork(path, { initialOutput: options.initialOutput ?? 'keep' });
  const features = design.train.x.cols;
  const outputs = design.train.y.cols;
  const problem =
    network.inputDim !== features
      ? `takes ${network.inputDim} inputs but the data have ${features} features (${design.featureNames.join(', ')}); choose them with --features`
      : network.outputDim !== outputs
        ? `has ${network.outputDim} outputs but the target needs ${outputs}${design.classes ? ` (one per class: ${design.classes.names.join(', ')})` : ''}`
        : undefined;
  if (problem) {
    network.dispose();
    throw new UsageError(`--model ${path} ${problem}`);
  }
  return network;
}

/**
 * The network to analyse or train, after the TF.js backend is chosen: the user's --model, or the seeded MLP the flags
 * describe, with one output per target column. `given(key)` says whether a flag was typed (not defaulted).
 */
export async function networkFromOptions(design: Design, options: NetworkOptions, given: (key: string) => boolean): Promise<DenseNetwork> {
  if (options.model !== undefined) {
    const conflicting = ARCHITECTURE_FLAGS.filter(given);
    if (conflicting.length > 0) {
      throw new UsageError(`${conflicting.map(flagName).join(', ')} describe a network Duality builds; with --model the network is the model's: drop them`);
    }
    return modelNetwork(options.model, design, options);
  }
  const spec = networkSpec(design.train.x.cols, options, design.train.y.cols);
  return buildNetwork(spec, { seed: parseSeed(options.seed), initialOutput: options.initialOutput ?? NETWORK_DEFAULTS.initialOutput });
}

/** --fixed-effects as the trainer takes it: a keyword, or an intercept plus the named (standardised) feature columns. */
export function fixedEffects(value: string, design: Design): FixedEffects {
  if (value === 'auto' || value === 'none' || value === 'intercept' || value === 'f0' || value === 'linear') return value;
  const columns = value.split(',').map((c) => c.trim());
  const indices = columns.map((c) => {
    const j = design.featureNames.indexOf(c);
    if (j < 0) {
      throw new UsageError(`--fixed-effects: '${c}' is not a feature column; choose from ${design.featureNames.join(', ')} (or auto, none, intercept, f0, linear)`);
    }
    return j;
  });
  const x = design.train.x;
  const out = new Matrix64(x.rows, indices.length + 1);
  for (let i = 0; i < x.rows; i++) {
    out.set(i, 0, 1);
    indices.forEach((j, c) => out.set(i, c + 1, x.get(i, j)));
  }
  return out;
}
