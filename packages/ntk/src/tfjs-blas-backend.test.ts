import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { uniformGenerator } from '@duality/linalg-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetwork } from './network.js';
import { BLAS_BACKEND, registerBlasBackend } from './tfjs-blas-backend.js';

/** The blas backend, or false where no BLAS is installed; under CI a missing BLAS fails loudly. */
async function blasOrSkip(): Promise<boolean> {
  try {
    await registerBlasBackend();
    return true;
  } catch (err) {
    if (process.env.CI) throw new Error(`CI is set but the native BLAS did not load: ${(err as Error).message}`);
    return false;
  }
}

tf.enableProdMode();
const available = await blasOrSkip();

function randomValues(size: number, seed: number): Float32Array {
  const uniform = uniformGenerator(seed);
  return Float32Array.from({ length: size }, () => 4 * uniform() - 2);
}

/** The values of what `compute` returns, computed on `backend` from the same inputs. */
async function valuesOn(backend: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  return values;
}

/** max |a − b| / max(1, max |b|): float32 products summed in other orders differ by a few ulps of the scale. */
function scaledDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 1;
  b.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(a[i]! - v));
    scale = Math.max(scale, Math.abs(v));
  });
  return worst / scale;
}

async function expectAgreesWithCpu(compute: () => tf.Tensor | tf.Tensor[], tolerance = 1e-5): Promise<void> {
  const expected = await valuesOn('cpu', compute);
  const got = await valuesOn(BLAS_BACKEND, compute);
  expect(got.length).toBe(expected.length);
  got.forEach((values, i) => expect(scaledDifference(values, expected[i]!)).toBeLessThanOrEqual(tolerance));
}

const tensor = (shape: number[], seed: number) => tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);

describe.skipIf(!available)('the blas TF.js backend', () => {
  afterAll(() => tf.setBackend('cpu'));

  const products: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[1, 1], [1, 1], false, false],
    [[0, 3], [3, 4], false, false],
    [[4, 0], [0, 2], false, false],
    [[3, 5, 7], [3, 7, 2], false, false],
    [[3, 7, 5], [3, 2, 7], true, true],
    [[1, 5, 7], [4, 7, 2], false, false],
    [[4, 5, 7], [7, 2], false, false],
    [[2, 3, 4, 5], [2, 3, 6, 5], false, true],
    [[33, 130], [130, 65], false, false],
  ];
  it.each(products)('matMul %j × %j (transposeA %s, transposeB %s) agrees with cpu', async (aShape, bShape, tA, tB) => {
    const seed = aShape.length * 31 + bShape.reduce((s, d) => s * 7 + d, 1);
    await expectAgreesWithCpu(() => tf.matMul(tensor(aShape, seed), tensor(bShape, seed + 1), tA, tB));
  });

  it('runs BatchMatMul on rank-4 inputs directly, as the cpu kernel does', async () => {
    await expectAgreesWithCpu(() => {
      const [a, b] = [tensor([2, 3, 4, 5], 1), tensor([2, 3, 5, 6], 2)];
      return tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor;
    });
  });

  const sums: [number[], number | number[] | undefined, boolean][] = [
    [[40, 7], 0, false],
    [[40, 7], 1, true],
    [[40, 7], -1, false],
    [[40, 7], undefined, false],
    [[3, 4, 5], [0, 1], true],
    [[3, 4, 5], [1, 2], false],
    [[3, 4, 5], 1, false],
    [[3, 4, 5], [0, 2], true],
    [[0, 5], 0, false],
    [[6], 0, false],
  ];
  it.each(sums)('sum of %j over axes %j (keepDims %s) agrees with cpu', async (shape, axis, keepDims) => {
    await expectAgreesWithCpu(() => {
      const x = tensor(shape, shape.length * 13 + 1);
      const result = tf.sum(x, axis, keepDims);
      expect(result.shape).toEqual(tf.tidy(() => tf.sum(tf.zeros(shape), axis, keepDims)).shape);
      return [result, tf.sum(tf.cast(x, 'int32'), axis, keepDims)];
    });
  });

  const gathers: [number[], number[], number, number][] = [
    [[30, 4], [5, 0, 29, 5], 0, 0],
    [[30, 40], [3, 1], 0, 0],
    [[6, 7, 20], [6, 0, 2], 1, 0],
    [[3, 7, 2], [2, 2, 0, 1, 1, 6], 1, 1],
    [[8], [], 0, 0],
  ];
  it.each(gathers)('gather from %j at %j (axis %i, batchDims %i) agrees with cpu', async (shape, indices, axis, batchDims) => {
    await expectAgreesWithCpu(() => {
      const x = tensor(shape, shape.length * 17 + 3);
      const index = batchDims === 0 ? tf.tensor1d(indices, 'int32') : tf.tensor2d(indices, [shape[0]!, indices.length / shape[0]!], 'int32');
      return [tf.gather(x, index, axis, batchDims), tf.gather(tf.cast(x, 'int32'), index, axis, batchDims)];
    });
  });

  it('refuses a gather index out of range, as the cpu backend does', async () => {
    await tf.setBackend(BLAS_BACKEND);
    expect(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([3], 'int32')))).toThrow(/index value 3 is not in \[0, 2\]/);
  });

  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  it.each(activations)('fused matMul with bias and %s agrees with cpu', async (activation) => {
    await expectAgreesWithCpu(() => {
      const [a, b] = [tensor([6, 9], 3), tensor([9, 4], 4)];
      const preluActivationWeights = activation === 'prelu' ? tensor([4], 5) : undefined;
      const rowBias = tf.fused.matMul({ a, b, bias: tensor([4], 6), activation, preluActivationWeights, leakyreluAlpha: 0.3 });
      const fullBias = tf.fused.matMul({ a, b, transposeB: false, bias: tensor([6, 4], 7), activation, preluActivationWeights });
      const noBias = tf.fused.matMul({ a: tensor([9, 6], 8), b, transposeA: true, activation, preluActivationWeights });
      return [rowBias, fullBias, noBias];
    });
  });

  it('gives the gradients of a fused product that the cpu backend gives', async () => {
    await expectAgreesWithCpu(() => {
      const [a, b, bias] = [tensor([6, 9], 9), tensor([9, 4], 10), tensor([4], 11)];
      const loss = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.square(tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: c, activation: 'linear' })));
      return tf.grads(loss)([a, b, bias]);
    });
  });

  it('takes the same gradient-descent steps as the cpu backend (optimizer.minimize on a DenseNetwork)', async () => {
    await expectAgreesWithCpu(() => {
      const spec = { inputDim: 5, hiddenWidths: [32, 32], activation: { name: 'relu' as const }, weightStd: Math.SQRT2,
        biasStd: 0.1, parameterisation: 'ntk' as const, outputDim: 1 };
      const network = buildNetwork(spec, { seed: 4, initialOutput: 'zero' });
      const [x, y] = [tensor([40, 5], 12), tensor([40, 1], 13)];
      const variables = network.parameters().map((p) => tf.variable(p.clone()));
      const optimizer = tf.train.sgd(0.05);
      const losses: tf.Tensor[] = [];
      for (let step = 0; step < 5; step++) {
        const loss = optimizer.minimize(() => tf.div(tf.sum(tf.squaredDifference(network.forwardWith(variables, x as tf.Tensor2D), y)), 80) as tf.Scalar, true, variables);
        losses.push(loss!);
      }
      network.dispose();
      optimizer.dispose();
      return [...variables.map((v) => v.clone()), tf.stack(losses)];
    }, 1e-4);
  });

  it('trains a tf.Sequential of Dense layers with model.fit to the weights the cpu backend reaches', async () => {
    const fitOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = tf.sequential({ layers: [
        tf.layers.dense({ inputShape: [4], units: 24, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
        tf.layers.dense({ units: 24, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
      ] });
      model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      const [x, y] = [tensor([30, 4], 14), tensor([30, 1], 15)];
      const history = await model.fit(x, y, { batchSize: 30, epochs: 4, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      tf.dispose([x, y]);
      model.dispose();
      return [...weights, Float32Array.from(history.history.loss as number[])];
    };
    const expected = await fitOn('cpu');
    const got = await fitOn(BLAS_BACKEND);
    got.forEach((values, i) => expect(scaledDifference(values, expected[i]!)).toBeLessThanOrEqual(1e-4));
  });

  it('shares data for identities and same-dtype casts, and frees it once every tensor is disposed', async () => {
    await tf.setBackend(BLAS_BACKEND);
    const before = { tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() };
    const x = tf.tensor2d([[1.5, -2], [3, 4]]);
    const copy = tf.clone(x);
    const same = tf.cast(copy, 'float32');
    const rounded = tf.cast(x, 'int32');
    x.dispose();
    copy.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3, 4]);
    expect(rounded.dtype).toBe('int32');
    expect(Array.from(rounded.dataSync())).toEqual([1, -2, 3, 4]);
    tf.dispose([same, rounded]);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(tf.engine().backend.numDataIds()).toBe(before.data);
  });

  it('coexists with the wasm backend: tensors move between them and each keeps its own kernels', async () => {
    const expected = await valuesOn('cpu', () => tf.add(tf.matMul(tensor([8, 5], 16), tensor([5, 3], 17)), 1));
    await tf.setBackend('wasm');
    const a = tensor([8, 5], 16);
    await tf.setBackend(BLAS_BACKEND);
    const product = tf.matMul(a, tensor([5, 3], 17));
    await tf.setBackend('wasm');
    const result = tf.add(product, 1);
    expect(scaledDifference(Float32Array.from(result.dataSync()), expected[0]!)).toBeLessThanOrEqual(1e-5);
    tf.dispose([a, product, result]);
  });
});
