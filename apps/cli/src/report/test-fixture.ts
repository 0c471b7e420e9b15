/**
 * `TwoStageReport`s for the CLI's report tests (a test helper: tsconfig.build.json keeps `test-*.ts` out of dist/),
 * each from a real small run: `trainTwoStage` (and so `assembleReport`) on a 60-row synthetic table and a 64-wide
 * network, with the trainer's defaults (the leave-one-out rule) unless a scenario says otherwise. One run per
 * scenario, memoised; every call returns a fresh copy (tests may mutate it).
 */
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { trainTwoStage, type TwoStageOptions } from '@duality/trainer';
import type { TwoStageReport } from './contract.js';

/**
 * - `train`: signal plus noise, p ≪ α, an interior stop, test data, a target in its own units (mean 20, sd 5).
 * - `no-test`: the same without test data (no test curves, no oracle, no coverage).
 * - `do-not-train`: pure noise, p ≥ α, no steps trained.
 * - `capped`: the same signal with maxSteps 5: the rule's stop lies past the cap and is marked so.
 * - `classes`: a three-class target (one indicator output per class): accuracy, log-loss and confusion tables.
 */
export type FixtureScenario = 'train' | 'no-test' | 'do-not-train' | 'capped' | 'classes';

export const FIXTURE_SCALING = { mean: 20, sd: 5 } as const;
export const FIXTURE_MAX_STEPS_CAPPED = 5;

/** n rows of 3 standard normal features; y = sin(x₀) + x₁/2 + noise·ε (signal 0: pure noise). */
function table(n: number, signal: number, seed: number) {
  const g = normalGenerator(seed);
  const x = new Matrix64(n, 3, Float64Array.from({ length: 3 * n }, g));
  const y = Float64Array.from({ length: n }, (_, i) => signal * (Math.sin(x.get(i, 0)) + 0.5 * x.get(i, 1)) + 0.4 * g());
  return { x, y };
}

/** Three classes by the sign pattern of the signal, as centred indicators (offsets: the classes' shares). */
function classTable(n: number, seed: number) {
  const { x, y } = table(n, 1, seed);
  const labels = Array.from(y, (v) => (v < -0.4 ? 0 : v < 0.4 ? 1 : 2));
  const offsets = [0, 1, 2].map((k) => labels.filter((l) => l === k).length / n);
  const indicators = new Matrix64(n, 3, Float64Array.from(labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0) - offsets[k]!))));
  return { x, y: indicators, classes: { names: ['low', 'middle', 'high'], offsets } };
}

async function run(scenario: FixtureScenario): Promise<TwoStageReport> {
  await initTensorflow();
  const classes = scenario === 'classes';
  const train = classes ? classTable(60, 3) : table(60, scenario === 'do-not-train' ? 0 : 1, 3);
  const test = classes ? classTable(40, 4) : table(40, scenario === 'do-not-train' ? 0 : 1, 4);
  const outputs = classes ? 3 : 1;
  const network = buildNetwork(
    { inputDim: 3, hiddenWidths: [64], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: outputs },
    { seed: 2 },
  );
  const options: TwoStageOptions = {
    ...(scenario === 'no-test' ? {} : { test: { x: test.x, y: test.y } }),
    ...(scenario === 'capped' ? { maxSteps: FIXTURE_MAX_STEPS_CAPPED } : {}),
    ...('classes' in train ? { classes: train.classes } : { targetScaling: FIXTURE_SCALING }),
  };
  try {
    const { report, network: trained } = await trainTwoStage(network, train.x, train.y, options);
    trained.dispose();
    return report;
  } finally {
    network.dispose();
  }
}

const runs = new Map<FixtureScenario, Promise<TwoStageReport>>();

/** The report of one scenario's run (fresh copy each call; Infinity survives, unlike a JSON round trip). */
export async function fixtureReport(scenario: FixtureScenario = 'train'): Promise<TwoStageReport> {
  if (!runs.has(scenario)) runs.set(scenario, run(scenario));
  return structuredClone(await runs.get(scenario)!);
}
