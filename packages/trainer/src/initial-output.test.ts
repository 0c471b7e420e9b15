import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, readSequential, type InitialOutput, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeTwoStage, GradientDescent, RemlStoppingCallback, saveNetwork, type FixedEffects } from './index.js';

// The CLI's network shape and scales (standard parameterisation, σ_w = √2 at the output too), small for speed.
const spec = (inputDim: number, width: number): MlpSpec => ({
  inputDim,
  hiddenWidths: [width, width],
  activation: { name: 'relu' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'standard',
  outputDim: 1,
});

function noiseData(n: number, d: number, seed: number) {
  const g = normalGenerator(seed);
  const x = new Matrix64(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = g();
  return { x, y: Float64Array.from({ length: n }, () => g()) };
}

/** p-values of the default score test on pure noise, a fresh network and fresh data per replicate. */
async function nullPValues(replicates: number, initialOutput: InitialOutput, fixedEffects: FixedEffects): Promise<number[]> {
  const ps: number[] = [];
  for (let r = 0; r < replicates; r++) {
    const { x, y } = noiseData(24, 3, 1000 + r);
    const network = buildNetwork(spec(3, 16), { seed: r + 1, initialOutput });
    const analysis = await analyzeTwoStage(network, x, y, { fixedEffects });
    ps.push(analysis.decision.test.p);
    network.dispose();
  }
  return ps;
}

/** Kolmogorov–Smirnov distance of a sample from U(0, 1). */
function ksUniform(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.reduce((d, v, i) => Math.max(d, Math.abs(v - i / sorted.length), Math.abs((i + 1) / sorted.length - v)), 0);
}

beforeAll(async () => {
  await initTensorflow();
});

describe('the initial output and the score test (math.md §0.1)', () => {
  const replicates = 150;
  // KS critical value at the 0.1% level: 1.95/√N.
  const ksCritical = 1.95 / Math.sqrt(replicates);

  it('is exactly calibrated on pure noise with the default centred network', async () => {
    const ps = await nullPValues(replicates, 'zero', 'auto');
    expect(ksUniform(ps)).toBeLessThan(ksCritical);
  });

  it('rejects pure noise with the raw network’s f0 left in, and is calibrated again once f0 is projected out', async () => {
    const kept = await nullPValues(replicates, 'keep', 'none');
    expect(kept.filter((p) => p < 0.05).length / replicates).toBeGreaterThan(0.3);
    const projected = await nullPValues(replicates, 'keep', 'auto');
    expect(ksUniform(projected)).toBeLessThan(ksCritical);
  });
});

describe('networks Duality did not build', () => {
  it('project a non-negligible f0 out of the test by default and say why', async () => {
    const { x, y } = noiseData(30, 2, 5);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 32, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
    const network = readSequential(model);
    const analysis = await analyzeTwoStage(network, x, y);
    expect(analysis.initialOutput.network).toBe('keep');
    expect(analysis.initialOutput.f0Ratio).toBeGreaterThan(analysis.initialOutput.threshold);
    expect(analysis.initialOutput.projected).toBe(true);
    expect(analysis.fit.designProjections?.cols).toBe(1);
    expect(analysis.initialOutput.note).toMatch(/projected out of the test/);
    const explicit = await analyzeTwoStage(network, x, y, { fixedEffects: 'none' });
    expect(explicit.initialOutput.projected).toBe(false);
    expect(explicit.initialOutput.note).toMatch(/may detect the initialisation/);

    const logged: string[] = [];
    const callback = new RemlStoppingCallback(x.toArray(), y, { learningRate: 0.01, log: (m) => logged.push(m) });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    await model.fit(tf.tensor2d(x.toArray()), tf.tensor2d(Array.from(y), [30, 1]), { epochs: 3, batchSize: 30, verbose: 0, callbacks: [callback] });
    expect(logged.join('\n')).toMatch(/^duality: .*projected out of the test/);
    model.dispose();
  });

  it('leave an exactly zero f0 alone (a zero-initialised output layer)', async () => {
    const { x, y } = noiseData(30, 2, 6);
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 32, activation: 'relu' }), tf.layers.dense({ units: 1, kernelInitializer: 'zeros' })],
    });
    const analysis = await analyzeTwoStage(readSequential(model), x, y);
    expect(analysis.initialOutput).toEqual({ network: 'keep', f0Ratio: 0, threshold: 0.01 / 30, projected: false });
    expect(analysis.fit.designProjections).toBeUndefined();
    model.dispose();
  });
});

describe('saving a centred network', () => {
  it('loads with plain tf.loadLayersModel and predicts g_θ − g_θ0 on new inputs', async () => {
    const { x, y } = noiseData(20, 3, 8);
    const network = buildNetwork(spec(3, 16), { seed: 3 });
    const run = new GradientDescent(network, x, Matrix64.column(y), 0.05);
    run.step(5);
    const trained = run.snapshot();
    run.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'duality-centred-'));
    const paths = await saveNetwork(trained, dir);
    const json = JSON.parse(readFileSync(paths.modelJson, 'utf8'));
    const weightData = new Uint8Array(readFileSync(paths.weights)).buffer;
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));

    const fresh = noiseData(11, 3, 9).x;
    const loaded = (model.predict(tf.tensor2d(Float32Array.from(fresh.data), [fresh.rows, fresh.cols])) as tf.Tensor).dataSync();
    // g_θ and g_θ0 from raw networks with the trained and the initial weights: the centred function is their difference.
    const raw = buildNetwork(spec(3, 16), { seed: 3, initialOutput: 'keep' });
    const rawTrained = raw.withLayers(trained.layers.map((l) => ({ kernel: l.kernel.clone(), bias: l.bias ? l.bias.clone() : null })));
    const g = rawTrained.outputs(fresh).data;
    const g0 = raw.outputs(fresh).data;
    loaded.forEach((v, i) => expect(v).toBeCloseTo(g[i]! - g0[i]!, 5));
    expect(Math.max(...Array.from(loaded, Math.abs))).toBeGreaterThan(1e-3);
    // Only the trained branch is trainable: model.fit on the loaded model goes on training the centred network.
    expect(model.trainableWeights.length).toBe(2 * network.plans.length);
    expect(model.nonTrainableWeights.length).toBe(2 * network.plans.length);
    model.dispose();
    [trained, raw, rawTrained, network].forEach((n) => n.dispose());
  });
});

describe("fixed effects 'auto'", () => {
  it('takes an intercept exactly when the targets were centred, and f0 exactly when it is not negligible', async () => {
    const { x, y } = noiseData(30, 2, 12);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const centred = y.map((v) => v - mean);
    const built = buildNetwork(spec(2, 16), { seed: 2 });
    expect((await analyzeTwoStage(built, x, y)).fixedEffects).toEqual([]);
    expect((await analyzeTwoStage(built, x, centred)).fixedEffects).toEqual(['intercept']);
    expect((await analyzeTwoStage(built, x, centred, { fixedEffects: 'none' })).fixedEffects).toEqual([]);
    const raw = buildNetwork(spec(2, 16), { seed: 2, initialOutput: 'keep' });
    const both = await analyzeTwoStage(raw, x, centred);
    expect(both.fixedEffects).toEqual(['intercept', 'f0']);
    expect(both.fit.designProjections?.cols).toBe(2);
    [built, raw].forEach((n) => n.dispose());
  });
});
