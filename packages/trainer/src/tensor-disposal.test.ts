import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type DenseNetwork, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeTwoStage,
  GradientDescent,
  loadNetwork,
  LossProbe,
  RemlStoppingCallback,
  type RemlStoppingOptions,
  saveNetwork,
  trainTwoStage,
  type TrainingProgress,
} from './index.js';

// Every public entry point that touches TF.js leaves tf.memory().numTensors where it found it (less what it hands
// back), when it returns and when it throws with its tensors alive. Tiny data and widths: the property is size-free.
const spec = (activation: MlpSpec['activation']): MlpSpec => ({
  inputDim: 2,
  hiddenWidths: [8],
  activation,
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 1,
});

const g = normalGenerator(3);
const x = new Matrix64(20, 2, Float64Array.from({ length: 40 }, () => g()));
const y = Float64Array.from({ length: 20 }, (_, i) => Math.sin(2 * x.get(i, 0)) + x.get(i, 1) + 0.1 * g());
const xTest = new Matrix64(6, 2, Float64Array.from({ length: 12 }, () => g()));
const test = { x: xTest, y: Float64Array.from({ length: 6 }, (_, i) => Math.sin(2 * xTest.get(i, 0)) + xTest.get(i, 1)) };
// REML stops this fit after a few steps, so the capped LOO stop sets a horizon past it (a 'horizon' phase).
const small = { learningRate: 'auto', stoppingRule: 'reml', maxSteps: 40, curvePoints: 5, test } as const;

let network: DenseNetwork;

/** Tensors `body` leaves alive, whether it returns (less those of a network it returns, disposed here) or throws. */
async function tensorsLeftBy(body: () => Promise<unknown> | unknown): Promise<number> {
  const before = tf.memory().numTensors;
  try {
    const result = await body();
    if (result && typeof result === 'object' && 'network' in result) (result.network as DenseNetwork).dispose();
    if (result && typeof result === 'object' && 'dispose' in result) (result as DenseNetwork).dispose();
  } catch {
    // the caller checks the throw separately
  }
  return tf.memory().numTensors - before;
}

/** A progress callback that throws at the first report of `phase` past step 0, as a user's callback might. */
function failingIn(phase: TrainingProgress['phase']): (progress: TrainingProgress) => void {
  return (progress) => {
    if (progress.phase === phase && progress.step > 0) throw new Error(`callback failed in ${phase}`);
  };
}

beforeAll(async () => {
  await initTensorflow();
  network = buildNetwork(spec({ name: 'tanh' }), { seed: 1 });
  // The backend's first-use tensors are not a run's.
  (await trainTwoStage(network, x, y, { ...small, compare: ['validation', 'horizon'] })).network.dispose();
});

describe('tensor disposal in trainer', () => {
  it('trainTwoStage with both comparators: only the returned network remains, and nothing after its dispose', async () => {
    expect(await tensorsLeftBy(() => trainTwoStage(network, x, y, { ...small, compare: ['validation', 'horizon'] }))).toBe(0);
    // The check can fail: the returned network holds tensors until disposed.
    const result = await trainTwoStage(network, x, y, small);
    const before = tf.memory().numTensors;
    result.network.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it.each(['training', 'horizon', 'validation'] as const)('trainTwoStage: nothing left when the callback throws in %s', async (phase) => {
    const options = { ...small, compare: ['validation', 'horizon'] as const, onProgress: failingIn(phase) };
    await expect(trainTwoStage(network, x, y, options)).rejects.toThrow(`callback failed in ${phase}`);
    expect(await tensorsLeftBy(() => trainTwoStage(network, x, y, options))).toBe(0);
  });

  it('analyzeTwoStage: nothing left on success, on a learning rate refused after the kernel, or a failing callback', async () => {
    expect(await tensorsLeftBy(() => analyzeTwoStage(network, x, y, small))).toBe(0);
    await expect(analyzeTwoStage(network, x, y, { ...small, learningRate: 1e6 })).rejects.toThrow(/too large for this kernel/);
    expect(await tensorsLeftBy(() => analyzeTwoStage(network, x, y, { ...small, learningRate: 1e6 }))).toBe(0);
    const onProgress = (p: TrainingProgress) => {
      if (p.phase === 'decision') throw new Error('callback failed');
    };
    expect(await tensorsLeftBy(() => analyzeTwoStage(network, x, y, { ...small, onProgress }))).toBe(0);
  });

  it('GradientDescent and LossProbe: dispose releases all they made (the variables and the tensors they came from)', async () => {
    const target = Matrix64.column(y);
    expect(await tensorsLeftBy(() => {
      const descent = new GradientDescent(network, x, target, 0.01);
      descent.step(2);
      descent.snapshot().dispose();
      descent.dispose();
      new LossProbe(x, target).dispose();
    })).toBe(0);
  });

  it('saveNetwork and loadNetwork: nothing left on success, on an activation that cannot be saved, or an unreadable model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duality-disposal-'));
    expect(await tensorsLeftBy(() => saveNetwork(network, dir))).toBe(0);
    expect(await tensorsLeftBy(() => loadNetwork(dir))).toBe(0);
    const erf = buildNetwork(spec({ name: 'erf' }), { seed: 1 });
    await expect(saveNetwork(erf, dir)).rejects.toThrow(/cannot save activation 'erf'/);
    expect(await tensorsLeftBy(() => saveNetwork(erf, dir))).toBe(0);
    erf.dispose();
    // A softmax output layer: TF.js loads the model (its weights become tensors), then reading it is refused.
    const file = join(dir, 'model.json');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"activation":"linear"', '"activation":"softmax"'));
    await expect(loadNetwork(dir)).rejects.toThrow(/softmax/);
    expect(await tensorsLeftBy(() => loadNetwork(dir))).toBe(0);
  });

  it('RemlStoppingCallback: nothing left by a fit it stops at 0 steps, or by one whose onDecision throws', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 8, activation: 'tanh' }), tf.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    // Pure noise: the test does not reject, so the callback keeps a copy of the initial weights to restore.
    const noise = Array.from({ length: 20 }, () => [g()]);
    const [xs, ys] = [tf.tensor2d(Array.from(x.data), [20, 2]), tf.tensor2d(noise)];
    const fit = (onDecision?: RemlStoppingOptions['onDecision']) =>
      model.fit(xs, ys, { epochs: 5, batchSize: 20, verbose: 0, callbacks: [new RemlStoppingCallback(x, noise, { learningRate: 0.01, onDecision })] });
    await fit(); // the optimizer's and fit's first-use tensors are not the callback's
    const decisions: number[] = [];
    expect(await tensorsLeftBy(() => fit((_analysis, stopAt) => void decisions.push(stopAt)))).toBe(0);
    expect(decisions).toEqual([0]);
    const failing = () => {
      throw new Error('onDecision failed');
    };
    await expect(fit(failing)).rejects.toThrow('onDecision failed');
    expect(await tensorsLeftBy(() => fit(failing))).toBe(0);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
