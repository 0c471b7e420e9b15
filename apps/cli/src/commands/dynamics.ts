import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  depthMuPBranchScale,
  isotropicData,
  ntkRichness,
  powerLawData,
  simulateNetwork,
  solveDmft,
  type DataModel,
  type NetworkSpec,
  type Sampling,
} from '@duality/linear-dynamics';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { inOutputFolder, renderChartsPage, type ReportChart } from '../report/index.js';
import { formatNumber } from '../report/format.js';
import { parseNumber, parseSeed } from './inputs.js';
import { describe } from '../catalogue.js';

interface DynamicsOptions {
  depth: string;
  widthRatio: string;
  samplesPerDim: string;
  inputDim: string;
  parameterisation: 'mup' | 'ntk';
  richness?: string;
  branchScale?: string;
  depthScaledBranch?: boolean;
  learningRate: string;
  steps: string;
  seeds: string;
  seed: string;
  noise: string;
  data: 'isotropic' | 'powerlaw';
  modes: string;
  capacity: string;
  source: string;
  sampling: 'repeated' | 'online';
  json?: boolean;
  out?: string;
  force?: boolean;
}

/** One configuration, parsed and checked. */
interface DynamicsConfig {
  data: DataModel;
  sampling: Exclude<Sampling, { kind: 'population' }>;
  network: NetworkSpec;
  inputDim: number;
  steps: number;
  seeds: number[];
}

const positive = (x: number) => x > 0;
const positiveInteger = (x: number) => Number.isInteger(x) && x >= 1;

function parseConfig(options: DynamicsOptions): DynamicsConfig {
  const depth = parseNumber(options.depth, '--depth', positiveInteger, 'a positive integer');
  const widthRatio = parseNumber(options.widthRatio, '--width-ratio', positive, 'a positive number (ν = N/D)');
  const inputDim = parseNumber(options.inputDim, '--input-dim', positiveInteger, 'a positive integer (D)');
  if (options.parameterisation === 'ntk' && options.richness !== undefined) {
    throw new UsageError('--richness is fixed to 1/√ν by --parameterisation ntk: drop --richness, or use --parameterisation mup');
  }
  const richness =
    options.parameterisation === 'ntk'
      ? ntkRichness(widthRatio)
      : parseNumber(options.richness ?? '1', '--richness', positive, 'a positive number (γ₀)');
  if (options.depthScaledBranch && options.branchScale === undefined) {
    throw new UsageError('--depth-scaled-branch needs --branch-scale <β₀> (the branch is then β₀/√L)');
  }
  const branch =
    options.branchScale === undefined
      ? undefined
      : parseNumber(options.branchScale, '--branch-scale', (x) => x >= 0, 'a number >= 0 (residual branch scale)');
  const network: NetworkSpec = {
    depth,
    widthRatio,
    richness,
    learningRate: parseNumber(options.learningRate, '--learning-rate', positive, 'a positive number (η₀)'),
    ...(branch === undefined
      ? {}
      : { residual: { branchScale: options.depthScaledBranch ? depthMuPBranchScale(branch, depth) : branch } }),
  };
  const ratio = parseNumber(options.samplesPerDim, '--samples-per-dim', positive, 'a positive number (α = P/D, or B/D for online)');
  const noise = parseNumber(options.noise, '--noise', (x) => x >= 0, 'a number >= 0 (σ)');
  let data: DataModel;
  if (options.data === 'isotropic') data = isotropicData({ noise });
  else {
    const modes = parseNumber(options.modes, '--modes', positiveInteger, 'a positive integer');
    if (modes > inputDim) throw new UsageError(`--modes ${modes} exceeds --input-dim ${inputDim}: each mode needs at least one input direction`);
    data = powerLawData({
      modes,
      capacity: parseNumber(options.capacity, '--capacity', positive, 'a positive number'),
      source: parseNumber(options.source, '--source', positive, 'a positive number'),
      noise,
    });
  }
  const seedCount = parseNumber(options.seeds, '--seeds', positiveInteger, 'a positive integer');
  const firstSeed = parseSeed(options.seed);
  return {
    data,
    sampling: options.sampling === 'repeated' ? { kind: 'repeated', samplesPerDim: ratio } : { kind: 'online', batchPerDim: ratio },
    network,
    inputDim,
    steps: parseNumber(options.steps, '--steps', positiveInteger, 'a positive integer (T)'),
    seeds: Array.from({ length: seedCount }, (_, i) => firstSeed + i),
  };
}

/** Curves over t = 0..T−1: DMFT theory, and the simulation's mean and standard error over seeds. */
export interface DynamicsCurves {
  theoryTest: Float64Array;
  theoryTrain: Float64Array;
  simulationTest: { mean: Float64Array; error: Float64Array };
  simulationTrain: { mean: Float64Array; error: Float64Array };
}

function runCurves(config: DynamicsConfig): DynamicsCurves {
  const { data, sampling, network, inputDim, steps, seeds } = config;
  const theory = solveDmft({ data, sampling, network, steps });
  const runs = seeds.map((seed) => simulateNetwork({ data, sampling, network, inputDim, steps, seed }));
  const diverged = [theory.diverged, ...runs.map((r) => r.diverged)].filter((k): k is number => k !== undefined);
  if (diverged.length > 0) {
    throw new UsageError(
      `the loss diverges at step ${Math.min(...diverged)} (past the edge of stability at η₀ = ${network.learningRate}): lower --learning-rate`,
    );
  }
  return {
    theoryTest: theory.testLoss,
    theoryTrain: theory.trainLoss,
    simulationTest: meanAndError(runs.map((r) => r.testLoss)),
    simulationTrain: meanAndError(runs.map((r) => r.trainLoss)),
  };
}

function meanAndError(curves: Float64Array[]): { mean: Float64Array; error: Float64Array } {
  const length = curves[0]!.length;
  const mean = new Float64Array(length);
  const error = new Float64Array(length);
  const n = curves.length;
  for (let t = 0; t < length; t++) {
    let sum = 0;
    for (const c of curves) sum += c[t]!;
    const m = sum / n;
    let squares = 0;
    for (const c of curves) squares += (c[t]! - m) ** 2;
    mean[t] = m;
    error[t] = n > 1 ? Math.sqrt(squares / (n - 1) / n) : 0;
  }
  return { mean, error };
}

/** 0, 1, 2, 4, 8, … and the last step. */
export function logSpacedSteps(steps: number): number[] {
  const out = [0];
  for (let t = 1; t < steps; t *= 2) out.push(t);
  if (out[out.length - 1] !== steps - 1) out.push(steps - 1);
  return out;
}

function curvesCsv(curves: DynamicsCurves): string {
  const lines = ['step,theory_test,simulation_test_mean,simulation_test_se,theory_train,simulation_train_mean,simulation_train_se'];
  curves.theoryTest.forEach((_, t) => {
    lines.push(
      [t, curves.theoryTest[t], curves.simulationTest.mean[t], curves.simulationTest.error[t], curves.theoryTrain[t], curves.simulationTrain.mean[t], curves.simulationTrain.error[t]].join(','),
    );
  });
  return `${lines.join('\n')}\n`;
}

/** Theory as lines, simulation as points with ±1 s.e. bars, test and train, on log-spaced steps (log–log). */
function dynamicsChart(curves: DynamicsCurves, shown: number[], config: DynamicsConfig): ReportChart {
  const rows = shown.flatMap((t) =>
    (['test', 'train'] as const).flatMap((set) => {
      const theory = set === 'test' ? curves.theoryTest : curves.theoryTrain;
      const sim = set === 'test' ? curves.simulationTest : curves.simulationTrain;
      const mean = sim.mean[t]!;
      const error = sim.error[t]!;
      // Log axes: steps from 1 (t + 1) and only positive losses.
      return [{ step: t + 1, set, theory: theory[t]!, mean, low: Math.max(mean - error, mean * 1e-3), high: mean + error }].filter(
        (r) => r.theory > 0 && r.mean > 0,
      );
    }),
  );
  const x = { field: 'step', type: 'quantitative' as const, title: 'gradient-descent step t + 1', scale: { type: 'log' as const } };
  const colour = { field: 'set', type: 'nominal' as const, title: 'loss', scale: { domain: ['test', 'train'], range: ['#1f77b4', '#d62728'] } };
  return {
    id: 'dynamics',
    title: 'Theory (DMFT) against finite networks',
    caption:
      `Lines: the DMFT prediction. Points with bars: the simulated networks' mean ± one standard error over ${config.seeds.length} ` +
      'seeds. Where a point sits off its line by more than a few bars, the theory misses that setting.',
    notes: [],
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 800,
      height: 360,
      data: { values: rows },
      layer: [
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'theory', type: 'quantitative', title: 'loss', scale: { type: 'log' } }, color: colour } },
        { mark: { type: 'rule' }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: colour } },
        { mark: { type: 'point', filled: true, size: 36 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: colour } },
      ],
    },
  };
}

function describeConfig(config: DynamicsConfig): string {
  const { network: net, sampling, inputDim, seeds } = config;
  const ratio = sampling.kind === 'repeated' ? `α = ${sampling.samplesPerDim} (repeated data, full-batch GD)` : `α_B = ${sampling.batchPerDim} (one-pass SGD)`;
  const residual = net.residual ? `, residual β_r = ${formatNumber(net.residual.branchScale)}` : '';
  return `L = ${net.depth}, ν = ${net.widthRatio}, γ₀ = ${formatNumber(net.richness)}, η₀ = ${net.learningRate}${residual}; ${ratio}; D = ${inputDim}, ${seeds.length} seeds`;
}

/** With --out, the run in a prepared folder that a failure (a diverging run) removes if this created it. */
function dynamics(options: DynamicsOptions, output: Output): Promise<void> {
  const config = parseConfig(options);
  if (options.out === undefined) return dynamicsRun(config, options, output);
  return inOutputFolder(options.out, options.force ?? false, { writes: ['curves.csv', 'dynamics.html'], inputs: [] }, () => dynamicsRun(config, options, output));
}

async function dynamicsRun(config: DynamicsConfig, options: DynamicsOptions, output: Output): Promise<void> {
  const curves = runCurves(config);
  const csvPath = options.out === undefined ? undefined : join(options.out, 'curves.csv');
  const shown = logSpacedSteps(config.steps);
  if (options.out !== undefined) {
    await writeFile(csvPath!, curvesCsv(curves), 'utf8');
    const page = await renderChartsPage('Duality: deep linear network dynamics', describeConfig(config), [dynamicsChart(curves, shown, config)]);
    await writeFile(join(options.out, 'dynamics.html'), page, 'utf8');
  }
  if (options.json) {
    const pick = (a: Float64Array) => shown.map((t) => a[t]!);
    output.write(
      JSON.stringify(
        {
          config,
          steps: shown,
          theory: { test: pick(curves.theoryTest), train: pick(curves.theoryTrain) },
          simulation: {
            test: { mean: pick(curves.simulationTest.mean), standardError: pick(curves.simulationTest.error) },
            train: { mean: pick(curves.simulationTrain.mean), standardError: pick(curves.simulationTrain.error) },
          },
          ...(csvPath === undefined ? {} : { csv: csvPath }),
        },
        null,
        2,
      ),
    );
    return;
  }
  const header = ['step', 'test (DMFT)', 'test (sim ± s.e.)', 'train (DMFT)', 'train (sim ± s.e.)'];
  const rows = shown.map((t) => [
    String(t),
    formatNumber(curves.theoryTest[t]!),
    `${formatNumber(curves.simulationTest.mean[t]!)} ± ${formatNumber(curves.simulationTest.error[t]!)}`,
    formatNumber(curves.theoryTrain[t]!),
    `${formatNumber(curves.simulationTrain.mean[t]!)} ± ${formatNumber(curves.simulationTrain.error[t]!)}`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c]!)).join('  ');
  output.write(
    [
      describeConfig(config),
      'losses are E(y − f)² (test) and ‖y − f‖²/P (train), without the ½',
      line(header),
      ...rows.map(line),
      ...(csvPath === undefined ? [] : [`written ${csvPath}, ${join(options.out!, 'dynamics.html')}`]),
    ].join('\n'),
  );
}

export function registerDynamics(program: Command, output: Output): void {
  program
    .command('dynamics')
    .description(describe('dynamics'))
    .option('--depth <L>', 'hidden layers (or residual blocks)', '2')
    .option('--width-ratio <nu>', 'ν = N/D', '1')
    .option('--samples-per-dim <alpha>', 'α = P/D (repeated data) or B/D (online batches)', '2')
    .option('--input-dim <D>', 'input dimension of the simulated networks', '200')
    .addOption(new Option('--parameterisation <p>', 'mup: γ₀ fixed; ntk: γ₀ = 1/√ν').choices(['mup', 'ntk']).default('mup'))
    .option('--richness <g0>', 'γ₀ under mup (default 1)')
    .option('--branch-scale <b>', 'make the network residual with this branch scale β_r')
    .option('--depth-scaled-branch', 'use β_r = b/√L (depth-μP) instead of the constant --branch-scale')
    .option('--learning-rate <eta0>', 'η₀ (the raw learning rate is η₀γ₀²N)', '0.1')
    .option('--steps <T>', 'GD steps', '50')
    .option('--seeds <n>', 'simulated networks to average', '4')
    .option('--seed <s>', 'first seed', '0')
    .option('--noise <sigma>', 'label noise σ', '0')
    .addOption(new Option('--data <kind>', 'input covariance').choices(['isotropic', 'powerlaw']).default('isotropic'))
    .option('--modes <K>', 'power law: number of modes (at most D)', '100')
    .option('--capacity <a>', 'power law: λ_k = k^(−a)', '1.5')
    .option('--source <b>', 'power law: task difficulty (b < 1 is hard)', '0.5')
    .addOption(new Option('--sampling <s>', 'repeated: one fixed data set; online: one-pass SGD').choices(['repeated', 'online']).default('repeated'))
    .option('--json', 'print JSON instead of a table')
    .option('--out <dir>', 'also write curves.csv (every step) and dynamics.html (the plot) into this new or empty folder')
    .option('--force', 'write into a folder that already has files')
    .action((options: DynamicsOptions) => dynamics(options, output));
}
