import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeTwoStage, DEFAULT_RANK, kernelCurves, kernelPlan, TrainerInputError, type AnalysisOptions } from './index.js';

function data(n: number, d: number, seed: number) {
  const g = normalGenerator(seed);
  const x = new Matrix64(n, d, Float64Array.from({ length: n * d }, () => g()));
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(x.get(i, 0)) + 0.5 * x.get(i, 1) + 0.3 * g());
  return { x, y };
}

const spec = (d: number, activation: MlpSpec['activation']): MlpSpec => ({
  inputDim: d,
  hiddenWidths: [64],
  activation,
  weightStd: Math.SQRT2,
  biasStd: 0.3,
  parameterisation: 'standard',
  outputDim: 1,
});

beforeAll(async () => {
  await initTensorflow();
});

describe('kernelPlan', () => {
  it('stays dense while the dense path fits in memory, and says why it switches to low rank', () => {
    expect(kernelPlan(10_000, 'auto', 24e9)).toEqual({ kind: 'dense' });
    const plan = kernelPlan(100_000, 'auto', 24e9);
    expect(plan).toMatchObject({ kind: 'low-rank', rank: DEFAULT_RANK });
    expect(plan.kind === 'low-rank' && plan.reason).toMatch(/100,000 training rows: the dense kernel would need about 320 GB of this machine's 24 GB/);
    expect(kernelPlan(100_000, 'full', 24e9)).toEqual({ kind: 'dense' });
    expect(kernelPlan(500, 200)).toMatchObject({ kind: 'low-rank', rank: 200 });
    expect(kernelPlan(500, 250)).toEqual({ kind: 'dense' });
    expect(() => kernelPlan(500, 0)).toThrow(TrainerInputError);
  });
});

/** The analysis's statistics that the low-rank path must reproduce. */
async function statistics(spec: MlpSpec, x: Matrix64, y: Float64Array, test: { x: Matrix64; y: Float64Array }, options: AnalysisOptions) {
  const network = buildNetwork(spec, { seed: 1 });
  const analysis = await analyzeTwoStage(network, x, y, { kernel: 'analytic', test, ...options });
  network.dispose();
  const { decision, stopping } = analysis;
  const curves = kernelCurves(analysis);
  return {
    logP: decision.test.logP,
    nullMean: decision.test.nullMean,
    reml: decision.reml.time,
    gcv: stopping.rules.gcv.time,
    loo: stopping.rules.loo.time,
    testLoss: curves.testLoss(stopping.rules.gcv.steps)!,
    lowRank: analysis.kernel.lowRank,
  };
}

describe('the low-rank kernel path', () => {
  it('reproduces the dense analysis exactly when the kernel has low rank (identity activation: rank d + 1)', async () => {
    const { x, y } = data(300, 4, 2);
    const test = data(60, 4, 3);
    const dense = await statistics(spec(4, { name: 'identity' }), x, y, test, { rank: 'full' });
    const low = await statistics(spec(4, { name: 'identity' }), x, y, test, { rank: 12, landmarks: 'uniform' });
    expect(low.lowRank).toMatchObject({ landmarks: 12, rank: 5, method: 'uniform' });
    expect(low.lowRank!.traceCaptured).toBeCloseTo(1, 8);
    for (const key of ['logP', 'reml', 'gcv', 'loo', 'testLoss'] as const) expect(low[key]).toBeCloseTo(dense[key], 4);
  });

  it('approximates a ReLU NTK closely from a fraction of the rows; the isotropic remainder keeps the exact trace', async () => {
    const { x, y } = data(800, 5, 4);
    const test = data(200, 5, 5);
    const relu = spec(5, { name: 'relu' });
    const dense = await statistics(relu, x, y, test, { rank: 'full' });
    const isotropic = await statistics(relu, x, y, test, { rank: 380, remainder: 'isotropic' });
    const zero = await statistics(relu, x, y, test, { rank: 380 });
    expect(isotropic.lowRank!.remainderEigenvalue).toBeGreaterThan(0);
    expect(zero.lowRank!.remainderEigenvalue).toBe(0);
    for (const key of ['logP', 'reml'] as const) expect(Math.abs(isotropic[key] / dense[key] - 1)).toBeLessThan(0.05);
    // GCV and LOO stop late here (t ≈ 165, thousands of steps), where the smallest eigenvalues, the ones a factor
    // approximates worst, set the criterion; the test loss is flat there, so the stop's cost barely moves.
    for (const key of ['gcv', 'loo'] as const) expect(Math.abs(isotropic[key] / dense[key] - 1)).toBeLessThan(0.3);
    expect(Math.abs(isotropic.testLoss / dense.testLoss - 1)).toBeLessThan(0.02);
    // No fixed effects here (the targets are not centred), so the null mean of S is tr Θ: exact with the remainder,
    // short by the trace the factor misses without it.
    expect(isotropic.nullMean).toBeCloseTo(dense.nullMean, 6);
    expect(zero.nullMean / dense.nullMean).toBeCloseTo(zero.lowRank!.traceCaptured, 6);
  });
});
