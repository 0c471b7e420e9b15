import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { accumulateLayer, bruteForceNtk, empiricalNtk } from './empirical.js';
import { Matrix64 } from '@duality/linalg-core';
import { UnsupportedLayerError } from './errors.js';
import { buildNetwork } from './network.js';
import { readSequential } from './read-sequential.js';
import type { MlpSpec } from './spec.js';
import { inputs, maxAsymmetry, relativeError, smallestRelativePivot } from './test-utils.js';

const x = inputs(7, 3);
// Gradients are float32: the two routes sum the same float32 products in different orders.
const FLOAT32_TOLERANCE = 1e-5;

const spec = (overrides: Partial<MlpSpec>): MlpSpec => ({
  inputDim: 3,
  hiddenWidths: [16, 12],
  activation: { name: 'gelu' },
  weightStd: 1.3,
  biasStd: 0.2,
  parameterisation: 'ntk',
  outputDim: 1,
  ...overrides,
});

describe('empiricalNtk (structured) against per-example gradients', () => {
  it.each(['ntk', 'standard', 'mup'] as const)('agrees with brute force, %s parameterisation', async (parameterisation) => {
    const network = buildNetwork(spec({ parameterisation, activation: { name: 'leaky_relu', slope: 0.2 } }), { seed: 3 });
    const structured = await empiricalNtk(network, x);
    const brute = await bruteForceNtk(network, x);
    expect(relativeError(structured.ntk.matrix, brute.matrix)).toBeLessThan(FLOAT32_TOLERANCE);
    // Symmetric up to the rounding of a threaded BLAS product (A·Aᵀ is not computed by syrk): a few ulps of the largest entry.
    expect(maxAsymmetry(structured.ntk.matrix)).toBeLessThan(1e-14 * Math.max(...structured.ntk.matrix.data.map(Math.abs)));
    expect(smallestRelativePivot(structured.ntk.matrix)).toBeGreaterThan(0);
    network.dispose();
  });

  it('with several outputs returns the mean of the per-output kernels, or one output', async () => {
    const network = buildNetwork(spec({ outputDim: 3, useBias: false }), { seed: 5 });
    const mean = await empiricalNtk(network, x);
    const perOutput = await Promise.all([0, 1, 2].map((o) => empiricalNtk(network, x, { output: o })));
    const brute1 = await bruteForceNtk(network, x, { output: 1 });
    expect(relativeError(perOutput[1]!.ntk.matrix, brute1.matrix)).toBeLessThan(FLOAT32_TOLERANCE);
    mean.ntk.matrix.data.forEach((v, i) => {
      const average = perOutput.reduce((s, k) => s + k.ntk.matrix.data[i]!, 0) / 3;
      expect(v).toBeCloseTo(average, 10);
    });
    // The outputs' kernels really differ (finite width), so the mean is not a copy of one of them.
    expect(relativeError(perOutput[0]!.ntk.matrix, perOutput[2]!.ntk.matrix)).toBeGreaterThan(1e-3);
    await expect(empiricalNtk(network, x, { output: 3 })).rejects.toThrow(/outputs 0..2/);
    network.dispose();
  });

  it('returns f0 = the network outputs and the backend that ran', async () => {
    const network = buildNetwork(spec({ outputDim: 2 }), { seed: 1, initialOutput: 'keep' });
    const result = await empiricalNtk(network, x);
    const direct = network.outputs(x);
    expect(result.f0.rows).toBe(7);
    expect(Array.from(result.f0.data)).toEqual(Array.from(direct.data));
    expect(direct.data.some((v) => v !== 0)).toBe(true);
    expect(['tensorflow', 'blas', 'wasm', 'cpu']).toContain(result.backend.backend);
    network.dispose();
  });

  it('is reproducible from the seed and differs across seeds', () => {
    // Seed 0 (the CLI's default) included: TF.js reads a seed of 0 as "unseeded". The raw MLP shows the weights.
    for (const seed of [0, 9]) {
      const a = buildNetwork(spec({}), { seed, initialOutput: 'keep' }).outputs(x);
      const b = buildNetwork(spec({}), { seed, initialOutput: 'keep' }).outputs(x);
      const c = buildNetwork(spec({}), { seed: seed + 1, initialOutput: 'keep' }).outputs(x);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(a.get(0, 0)).not.toBe(c.get(0, 0));
    }
  });
});

function sequential(layers: tf.layers.Layer[]): tf.Sequential {
  const model = tf.sequential();
  layers.forEach((layer) => model.add(layer));
  return model;
}

describe('readSequential', () => {
  it('reads Dense layers: outputs equal model.predict and the kernel equals brute force', async () => {
    const model = sequential([
      tf.layers.dense({ inputShape: [3], units: 10, activation: 'tanh', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 2, biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 2 }) }),
    ]);
    const network = readSequential(model);
    expect(network.plans.map((p) => [p.fanIn, p.fanOut, p.activation.name])).toEqual([
      [3, 10, 'tanh'],
      [10, 2, 'identity'],
    ]);
    // heNormal: a 2σ-truncated normal with σ² = 2/fanIn, variance 0.7737·2/3.
    expect(network.plans[0]!.weightInitStd ** 2).toBeCloseTo((0.77374 * 2) / 3, 4);
    // TF.js Dense defaults to glorotNormal: truncated normal with σ² = 2/(10 + 2).
    expect(network.plans[1]!.weightInitStd ** 2).toBeCloseTo((0.77374 * 2) / 12, 4);
    expect(network.plans[1]!.biasInitStd).toBeCloseTo(0.3, 12);
    const predicted = model.predict(tf.tensor2d(x)) as tf.Tensor;
    const ours = network.outputs(x);
    Array.from(predicted.dataSync()).forEach((v, i) => expect(ours.data[i]).toBeCloseTo(v, 6));
    const structured = await empiricalNtk(network, x);
    expect(relativeError(structured.ntk.matrix, (await bruteForceNtk(network, x)).matrix)).toBeLessThan(FLOAT32_TOLERANCE);
    network.dispose();
    expect(model.layers[0]!.getWeights()[0]!.isDisposed).toBe(false);
  });

  it('reads an activation layer after a linear Dense as that layer\'s activation (Keras\'s LeakyReLU, ReLU, Activation)', async () => {
    const model = sequential([
      tf.layers.dense({ inputShape: [3], units: 8, kernelInitializer: tf.initializers.randomNormal({ stddev: 0.7, seed: 3 }) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.dense({ units: 6, biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 4 }) }),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.dense({ units: 5 }),
      tf.layers.reLU(),
      tf.layers.dense({ units: 2 }),
    ]);
    const network = readSequential(model);
    expect(network.plans.map((p) => p.activation)).toEqual([{ name: 'leaky_relu', slope: 0.2 }, { name: 'tanh' }, { name: 'relu' }, { name: 'identity' }]);
    const predicted = model.predict(tf.tensor2d(x)) as tf.Tensor;
    const ours = network.outputs(x);
    Array.from(predicted.dataSync()).forEach((v, i) => expect(ours.data[i]).toBeCloseTo(v, 6));
    expect(relativeError((await empiricalNtk(network, x)).ntk.matrix, (await bruteForceNtk(network, x)).matrix)).toBeLessThan(FLOAT32_TOLERANCE);
    network.dispose();
  });

  it('rejects an activation layer that does not follow a linear Dense, or that ends the model', () => {
    const afterRelu = sequential([tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.leakyReLU({ name: 'leaky' }), tf.layers.dense({ units: 1 })]);
    expect(() => readSequential(afterRelu)).toThrow(/layer 1 \('leaky'\) is a LeakyReLU layer that does not follow a linear Dense/);
    const last = sequential([tf.layers.dense({ inputShape: [3], units: 1 }), tf.layers.activation({ activation: 'sigmoid', name: 'link' })]);
    expect(() => readSequential(last)).toThrow(/layer 1 \('link'\) is the output layer with activation 'sigmoid'.*'linear'/);
    const capped = sequential([tf.layers.dense({ inputShape: [3], units: 4 }), tf.layers.reLU({ maxValue: 6, name: 'relu6' }), tf.layers.dense({ units: 1 })]);
    expect(() => readSequential(capped)).toThrow(/ReLU capped at 6/);
  });

  it('rejects any layer that is not Dense, naming it', () => {
    const model = sequential([
      tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.1, name: 'drop' }),
      tf.layers.dense({ units: 1 }),
    ]);
    expect(() => readSequential(model)).toThrow(UnsupportedLayerError);
    expect(() => readSequential(model)).toThrow(/layer 1 \('drop'\) is a Dropout layer; only Dense/);
  });

  it('rejects unsupported activations, non-linear outputs and initialisers', () => {
    const activation = sequential([tf.layers.dense({ inputShape: [2], units: 3, activation: 'elu' }), tf.layers.dense({ units: 1 })]);
    expect(() => readSequential(activation)).toThrow(/activation 'elu'; supported: relu/);
    const output = sequential([tf.layers.dense({ inputShape: [2], units: 1, activation: 'sigmoid' })]);
    expect(() => readSequential(output)).toThrow(/output layer with activation 'sigmoid'.*'linear'/);
    const init = sequential([tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: 'orthogonal' })]);
    expect(() => readSequential(init)).toThrow(/initialiser Orthogonal is not supported/);
  });
});

describe('the blocked Gram accumulation', () => {
  it('gives the kernel against the first rows only, equal to those columns of the full kernel', async () => {
    const network = buildNetwork(spec({ outputDim: 2 }), { seed: 6 });
    const full = (await empiricalNtk(network, x)).ntk.matrix;
    const block = (await empiricalNtk(network, x, { columns: 4 })).ntk;
    expect([block.matrix.rows, block.matrix.cols, block.n]).toEqual([7, 4, 4]);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 4; j++) expect(block.matrix.get(i, j)).toBeCloseTo(full.get(i, j), 10);
    await expect(empiricalNtk(network, x, { columns: 8 })).rejects.toThrow(/columns must be an integer from 1 to the 7 rows/);
    network.dispose();
  });

  it('equals the dense (w·AAᵀ + b) ⊙ GGᵀ for blocks that do not divide n', () => {
    const n = 11;
    const a = new Matrix64(n, 4, Float64Array.from({ length: n * 4 }, (_, i) => Math.sin(i + 1)));
    const g = new Matrix64(n, 3, Float64Array.from({ length: n * 3 }, (_, i) => Math.cos(2 * i)));
    const blocked = new Float64Array(n * n).fill(0.5);
    accumulateLayer(blocked, a, g, { weight: 1.7, bias: 0.3 }, { a, g }, 4);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let aa = 0;
        let gg = 0;
        for (let c = 0; c < 4; c++) aa += a.get(i, c) * a.get(j, c);
        for (let c = 0; c < 3; c++) gg += g.get(i, c) * g.get(j, c);
        expect(blocked[i * n + j]).toBeCloseTo(0.5 + (1.7 * aa + 0.3) * gg, 12);
      }
    }
  });
});
