import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientDescent, LossProbe, saveNetwork, trainTwoStage, TrainerInputError } from './index.js';

function dataset(n: number, d: number, noise: number, signal: number, seed: number) {
  const g = normalGenerator(seed);
  const x = new Matrix64(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = g();
  const y = Float64Array.from({ length: n }, (_, i) => signal * Math.sin(x.get(i, 0)) + signal * 0.5 * x.get(i, 1) + noise * g());
  return { x, y };
}

const spec = (inputDim: number, width: number, parameterisation: MlpSpec['parameterisation'] = 'ntk'): MlpSpec => ({
  inputDim,
  hiddenWidths: [width],
  activation: { name: 'relu' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation,
  outputDim: 1,
});

beforeAll(async () => {
  await initTensorflow();
});

describe('GradientDescent', () => {
  it('follows the kernel model of a wide network (BLUP = gradient flow) and leaves the start untouched', async () => {
    const { x, y } = dataset(24, 3, 0.3, 1, 1);
    const network = buildNetwork(spec(3, 2048), { seed: 3 });
    const before = network.outputs(x);
    const result = await trainTwoStage(network, x, y, { learningRate: 'auto', compare: ['horizon'], maxSteps: 400, curvePoints: 12 });
    // Early in training the network is still linear in its weights: measured and predicted losses agree closely.
    const early = result.report.curves.filter((c) => c.step <= 50);
    expect(early.length).toBeGreaterThan(5);
    for (const point of early) {
      expect(Math.abs(point.trainLoss! - point.kernelTrainLoss) / point.kernelTrainLoss).toBeLessThan(0.05);
    }
    expect(network.outputs(x).data).toEqual(before.data);
    result.network.dispose();
    network.dispose();
  });

  it('reports the kernel drift to the stop, smaller for a wider network (the lazy regime: about 1/√width)', async () => {
    const { x, y } = dataset(40, 3, 0.3, 1, 4);
    const drift = async (width: number) => {
      const network = buildNetwork(spec(3, width), { seed: 2 });
      const { report, network: trained } = await trainTwoStage(network, x, y, { learningRate: 'auto', maxSteps: 300, stoppingRule: 'loo' });
      [network, trained].forEach((n) => n.dispose());
      expect(report.decision.steps).toBeGreaterThan(0);
      return report.kernelDrift!;
    };
    const [narrow, wide] = [await drift(32), await drift(2048)];
    expect(narrow.rows).toBe(40);
    expect(narrow.note).toMatch(/NTK moved \d.*% from θ0 to the stop .* on 40 training rows/);
    expect(wide.relativeChange).toBeGreaterThan(0);
    // The lazy regime: the NTK moves O(1/√width), so 64× the width moves it at least 8× less (22× here); ask for 3×.
    expect(wide.relativeChange).toBeLessThan(narrow.relativeChange / 3);
  });

  it('takes the steps it is asked for and lowers the loss', () => {
    const { x, y } = dataset(16, 2, 0.1, 1, 2);
    const network = buildNetwork(spec(2, 256), { seed: 1 });
    const run = new GradientDescent(network, x, Matrix64.column(y), 1e-3);
    const probe = new LossProbe(x, Matrix64.column(y));
    const start = probe.loss(run.forward);
    run.step(3);
    expect(run.steps).toBe(3);
    expect(probe.loss(run.forward)).toBeLessThan(start);
    run.dispose();
    probe.dispose();
    network.dispose();
  });
});

describe('trainTwoStage', () => {
  it('trains to REML’s t̂ (Ψ changes sign there) on signal and reports every stop without NaN', async () => {
    const train = dataset(60, 3, 0.3, 1, 5);
    const test = dataset(30, 3, 0.3, 1, 6);
    const network = buildNetwork(spec(3, 128), { seed: 2 });
    const { report, network: trained } = await trainTwoStage(network, train.x, train.y, {
      test: { x: test.x, y: test.y },
      maxSteps: 300,
      fixedSteps: [1000],
      compare: ['validation'],
      stoppingRule: 'reml',
    });
    expect(report.decision.train).toBe(true);
    expect(report.test.p).toBeLessThan(0.05);
    // math.md §2.1: the spectral loss decorrelation Ψ is > 0 before t̂ and < 0 after it, so a wrong step count shows up
    // as the trained time sitting away from Ψ's sign change (± one step of rounding t̂ to whole steps).
    const stopTime = report.decision.steps * report.learningRate;
    expect(report.reml.outcome).toBe('interior');
    expect(report.decision.steps).toBeLessThan(300);
    const before = report.decorrelation.filter((d) => d.time < stopTime - report.learningRate);
    const after = report.decorrelation.filter((d) => d.time > stopTime + report.learningRate);
    expect(before.length).toBeGreaterThan(3);
    expect(after.length).toBeGreaterThan(3);
    expect(before.every((d) => d.psi > 0)).toBe(true);
    expect(after.every((d) => d.psi < 0)).toBe(true);
    expect(report.stops.map((s) => s.rule)).toEqual(['loo', 'reml', 'gcv', 'oracle', 'validation', 'fixed']);
    expect(report.curves.some((c) => c.step === report.decision.steps)).toBe(true);
    expect(report.learningRate * report.kernel.eigenvalues[0]!).toBeLessThan(2);
    expect(JSON.stringify(report, (_, v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v))).not.toContain('NaN');
    // The returned network is the one at the stop: its training loss is the report's final loss.
    const probe = new LossProbe(train.x, Matrix64.column(train.y));
    expect(probe.loss((t) => trained.forwardWith(trained.parameters(), t))).toBeCloseTo(report.training.finalTrainLoss, 5);
    probe.dispose();
    trained.dispose();
    network.dispose();
  });

  it('by default trains the real network to the rule’s stop and no further; the curves past it are predicted', async () => {
    const train = dataset(60, 3, 0.3, 1, 5);
    const test = dataset(30, 3, 0.3, 1, 6);
    const network = buildNetwork(spec(3, 128), { seed: 2 });
    const progress: string[] = [];
    const { report, network: trained } = await trainTwoStage(network, train.x, train.y, {
      test: { x: test.x, y: test.y },
      onProgress: (p) => progress.push(p.phase),
    });
    const stop = report.decision.steps;
    expect(stop).toBeGreaterThan(0);
    expect(report.training.trainedTo).toBe(stop);
    expect(report.stops.map((s) => s.rule)).toEqual(['loo', 'reml', 'gcv', 'oracle']);
    const past = report.curves.filter((c) => c.step > stop);
    expect(past.length).toBeGreaterThan(3);
    expect(past.every((c) => c.trainLoss === undefined && c.testLoss === undefined && Number.isFinite(c.kernelTestLoss))).toBe(true);
    expect(report.curves.filter((c) => c.step <= stop).every((c) => c.trainLoss !== undefined)).toBe(true);
    expect(new Set(progress)).toEqual(new Set(['kernel', 'decision', 'training']));
    trained.dispose();
    network.dispose();
  });

  it('reports RMSE, MAE and R² in target units for the network and the kernel model, and a LOO interval with its test coverage', async () => {
    const train = dataset(60, 3, 0.3, 1, 5);
    const test = dataset(30, 3, 0.3, 1, 6);
    const network = buildNetwork(spec(3, 128), { seed: 2 });
    const scaling = { mean: 20, sd: 3 };
    const { report, network: trained } = await trainTwoStage(network, train.x, train.y, { test: { x: test.x, y: test.y }, targetScaling: scaling, intervalLevel: 0.8 });
    const { metrics, interval } = report;
    expect(metrics!.kind).toBe('regression');
    expect(metrics!.network.label).toMatch(/^network/);
    expect(metrics!.kernel.label).toMatch(/^kernel model/);
    const networkTest = metrics!.network.test as { rmse: number; mae: number; r2: number };
    // The half MSE of the report, in standardised units, is the same error: RMSE = sd·√(2·loss).
    expect(networkTest.rmse).toBeCloseTo(scaling.sd * Math.sqrt(2 * report.training.finalTestLoss!), 6);
    expect(networkTest.mae).toBeLessThanOrEqual(networkTest.rmse);
    const stop = report.stops.find((s) => s.rule === report.decision.rule)!;
    expect((metrics!.kernel.test as { rmse: number }).rmse).toBeCloseTo(scaling.sd * Math.sqrt(2 * stop.kernelTestLoss!), 6);
    const ss = Array.from(test.y).reduce((s, v, _, a) => s + (v - a.reduce((m, w) => m + w, 0) / a.length) ** 2, 0);
    expect(networkTest.r2).toBeCloseTo(1 - (2 * report.training.finalTestLoss! * test.y.length) / ss, 6);
    expect(interval!.level).toBe(0.8);
    expect(interval!.halfWidth).toBeCloseTo(scaling.sd * interval!.halfWidthStandardised, 12);
    const outputs = trained.outputs(test.x).data;
    const inside = Array.from(test.y).filter((v, i) => Math.abs(v - outputs[i]!) <= interval!.halfWidthStandardised).length;
    expect(interval!.coverage).toBe(inside / test.y.length);
    trained.dispose();
    network.dispose();
  });

  it('trains to the default rule’s stop (exact leave-one-out) when no rule is named, and to GCV’s when asked', async () => {
    const train = dataset(60, 3, 0.3, 1, 5);
    const network = buildNetwork(spec(3, 128), { seed: 2 });
    const byDefault = await trainTwoStage(network, train.x, train.y);
    expect(byDefault.report.decision.rule).toBe('loo');
    expect(byDefault.report.decision.steps).toBe(Math.min(byDefault.report.stoppingRules.rules.loo.steps, 100_000));
    const gcv = await trainTwoStage(network, train.x, train.y, { stoppingRule: 'gcv' });
    expect(gcv.report.decision.rule).toBe('gcv');
    expect(gcv.report.decision.steps).toBe(gcv.report.stops.find((s) => s.rule === 'gcv')!.steps);
    [byDefault.network, gcv.network, network].forEach((n) => n.dispose());
  });

  it('trains to the leave-one-out stop with stoppingRule loo, and LOO’s curve is smallest there', async () => {
    const train = dataset(60, 3, 0.3, 1, 5);
    const network = buildNetwork(spec(3, 128), { seed: 2 });
    const { report, network: trained } = await trainTwoStage(network, train.x, train.y, { stoppingRule: 'loo', curvePoints: 60 });
    expect(report.decision.rule).toBe('loo');
    expect(report.decision.steps).toBe(report.stoppingRules.rules.loo.steps);
    expect(report.training.trainedTo).toBe(report.decision.steps);
    const atStop = report.curves.find((c) => c.step === report.decision.steps)!.looLoss;
    expect(atStop).toBeCloseTo(report.stoppingRules.looLossAt.loo, 10);
    for (const c of report.curves) expect(c.looLoss).toBeGreaterThanOrEqual(atStop * (1 - 1e-12));
    expect(report.stoppingRules.looLossAt.reml).toBeGreaterThanOrEqual(atStop * (1 - 1e-12));
    expect(report.stoppingRules.looLossAt.gcv).toBeGreaterThanOrEqual(atStop * (1 - 1e-12));
    // LOO's criterion curve is the report's LOO estimate: the two agree wherever they share a step.
    for (const point of report.stoppingRules.rules.loo.curve) {
      const curve = report.curves.find((c) => c.step === point.step);
      if (curve) expect(curve.looLoss).toBeCloseTo(point.value / 2, 10);
    }
    await expect(trainTwoStage(network, train.x, train.y, { stoppingRule: 'aic' as 'loo' })).rejects.toThrow(/unknown stopping rule 'aic'; use loo, reml, gcv/);
    trained.dispose();
    network.dispose();
  });

  it('keeps the initial network when the test does not reject t = 0 (pure noise)', async () => {
    const { x } = dataset(40, 3, 0, 0, 7);
    const g = normalGenerator(99);
    const noise = Float64Array.from({ length: 40 }, () => g());
    // The centred network starts at f0 ≡ 0, so u = y is exactly the noise.
    const network = buildNetwork(spec(3, 64), { seed: 4 });
    const { report, network: kept } = await trainTwoStage(network, x, noise, { maxSteps: 50 });
    expect(report.test.p).toBeGreaterThanOrEqual(0.05);
    expect(report.decision).toMatchObject({ train: false, steps: 0 });
    expect(report.initialOutput).toMatchObject({ network: 'zero', f0Ratio: 0, projected: false });
    expect(Array.from(kept.outputs(x).data).every((v) => v === 0)).toBe(true);
    kept.dispose();
    network.dispose();
  });

  it('refuses a learning rate that makes gradient descent diverge, or one too small to move the outputs, naming the fix', async () => {
    const { x, y } = dataset(20, 2, 0.3, 1, 8);
    const network = buildNetwork(spec(2, 64), { seed: 1 });
    await expect(trainTwoStage(network, x, y, { learningRate: 1e6 })).rejects.toThrow(/too large for this kernel.*use less than/);
    await expect(trainTwoStage(network, x, y, { learningRate: 1e-300 })).rejects.toThrow(/too small for this kernel.*use about 1\/λ1/);
    await expect(trainTwoStage(network, x, y.slice(0, 10))).rejects.toThrow(TrainerInputError);
    network.dispose();
  });
});

describe('saveNetwork', () => {
  it('writes a TF.js layers model that loads back and computes the same outputs', async () => {
    const { x } = dataset(10, 3, 0, 0, 9);
    for (const parameterisation of ['ntk', 'standard'] as const) {
      const network = buildNetwork({ ...spec(3, 16, parameterisation), activation: { name: 'leaky_relu', slope: 0.1 } }, { seed: 5 });
      const dir = mkdtempSync(join(tmpdir(), 'duality-save-'));
      const paths = await saveNetwork(network, dir);
      const json = JSON.parse(readFileSync(paths.modelJson, 'utf8'));
      const weightData = new Uint8Array(readFileSync(paths.weights)).buffer;
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }),
      );
      const loaded = model.predict(tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols])) as tf.Tensor;
      const expected = network.outputs(x);
      const got = await loaded.data();
      got.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i]!, 4));
      tf.dispose([loaded]);
      model.dispose();
      network.dispose();
    }
  });
});
