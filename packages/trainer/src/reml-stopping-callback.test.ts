import * as tf from '@tensorflow/tfjs';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { initTensorflow, readSequential } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientDescent, RemlStoppingCallback, TrainerInputError } from './index.js';

function model(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

const n = 40;
const g = normalGenerator(3);
const x = Array.from({ length: n }, () => [g(), g()]);
const signal = x.map(([a = 0, b = 0]) => [Math.sin(2 * a) + 0.5 * b + 0.2 * g()]);

beforeAll(async () => {
  await initTensorflow();
});

describe('RemlStoppingCallback', () => {
  it('stops model.fit at the REML step count, and TF.js MSE at rate η is Duality’s gradient descent at 2η', async () => {
    const m = model(1);
    // GradientDescent copies the weights it starts from, so this reference starts at the model's initial weights.
    const reference = new GradientDescent(
      readSequential(m),
      Matrix64.from(x),
      Matrix64.from(signal),
      2 * 0.002,
    );
    const callback = new RemlStoppingCallback(x, signal, { learningRate: 0.002 });
    m.compile({ optimizer: tf.train.sgd(0.002), loss: 'meanSquaredError' });
    await m.fit(tf.tensor2d(x), tf.tensor2d(signal), { epochs: 2000, batchSize: n, shuffle: false, verbose: 0, callbacks: [callback] });
    const { decision, remlSteps } = callback.analysis!;
    expect(decision.train).toBe(true);
    expect(remlSteps).toBeLessThan(2000);
    expect(callback.stepsTaken).toBe(remlSteps);
    reference.step(remlSteps);
    const probe = tf.tensor2d(x);
    const ours = (reference.forward(probe) as tf.Tensor).dataSync();
    const theirs = (m.predict(probe) as tf.Tensor).dataSync();
    ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i]!, 3));
    reference.dispose();
    m.dispose();
  });

  it('keeps the initial weights when training is not warranted', async () => {
    const m = model(7);
    const f0 = (m.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][];
    const noise = normalGenerator(11);
    const y = f0.map(([v = 0]) => [v + noise()]); // u = y − f0 is pure noise
    const callback = new RemlStoppingCallback(x, y, { learningRate: 0.002 });
    const before = m.getWeights().map((w) => w.arraySync());
    m.compile({ optimizer: tf.train.sgd(0.002), loss: 'meanSquaredError' });
    await m.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 50, batchSize: n, verbose: 0, callbacks: [callback] });
    expect(callback.analysis!.decision.train).toBe(false);
    expect(callback.stepsTaken).toBe(0);
    expect(m.getWeights().map((w) => w.arraySync())).toEqual(before);
    m.dispose();
  });

  it('refuses mini-batches', async () => {
    const m = model(2);
    m.compile({ optimizer: tf.train.sgd(0.002), loss: 'meanSquaredError' });
    const callback = new RemlStoppingCallback(x, signal, { learningRate: 0.002 });
    await expect(
      m.fit(tf.tensor2d(x), tf.tensor2d(signal), { epochs: 1, batchSize: 8, verbose: 0, callbacks: [callback] }),
    ).rejects.toThrow(TrainerInputError);
    m.dispose();
  });
});
