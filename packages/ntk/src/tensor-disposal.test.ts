import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { empiricalCrossKernel } from './empirical-cross.js';
import { bruteForceNtk, empiricalNtk } from './empirical.js';
import { KernelInputError } from './errors.js';
import { buildNetwork, type DenseNetwork } from './network.js';
import { empiricalNystrom } from './nystrom-kernels.js';
import type { MlpSpec } from './spec.js';
import { initTensorflow } from './tfjs-backend.js';
import { inputs } from './test-utils.js';

// Every entry point that creates tensors must leave tf.memory().numTensors where it found it, on success and when it
// throws after its tensors exist. Tiny networks: the property does not depend on size.
const spec: MlpSpec = {
  inputDim: 3,
  hiddenWidths: [6, 5],
  activation: { name: 'relu' },
  weightStd: 1.2,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 2,
};
const x = inputs(6, 3, 1);
const xOther = inputs(4, 3, 2);

/** The same network with every weight scaled by 1e25: ReLU is homogeneous, so its float32 outputs overflow, which is refused after the pass. */
function overflowing(network: DenseNetwork): DenseNetwork {
  return network.withLayers(network.layers.map((p) => ({ kernel: tf.mul(p.kernel, 1e25), bias: p.bias ? p.bias.clone() : null })));
}

/**
 * The refusal of an overflow: of the outputs after the pass (assertFiniteResult), or of the layer terms inside the
 * kernel's pass (gemm, while the pass's tensors are alive).
 */
const OVERFLOW = /overflowed|non-finite entry/;

/** Runs `body` and checks that it created no lasting tensor, whether it returned or threw. */
async function tensorsLeftBy(body: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  try {
    await body();
  } catch {
    // the caller checks the throw separately
  }
  return tf.memory().numTensors - before;
}

let network: DenseNetwork;
let broken: DenseNetwork;

beforeAll(async () => {
  await initTensorflow();
  network = buildNetwork(spec, { seed: 1 });
  broken = overflowing(network);
});

describe('tensor disposal in ntk', () => {
  it('buildNetwork: dispose releases every tensor, of a centred and a raw network; a refused seed allocates none', async () => {
    for (const initialOutput of ['zero', 'keep'] as const) {
      expect(await tensorsLeftBy(() => buildNetwork(spec, { seed: 2, initialOutput }).dispose())).toBe(0);
    }
    expect(() => buildNetwork(spec, { seed: 0.5 })).toThrow(KernelInputError);
    expect(await tensorsLeftBy(() => buildNetwork(spec, { seed: 0.5 }))).toBe(0);
  });

  it('withLayers takes ownership: its dispose releases the new weights and its copy of θ0', async () => {
    expect(await tensorsLeftBy(() => overflowing(network).dispose())).toBe(0);
  });

  it('outputs: nothing left on success or on overflowing outputs', async () => {
    expect(() => broken.outputs(x)).toThrow(OVERFLOW);
    expect(await tensorsLeftBy(() => network.outputs(x))).toBe(0);
    expect(await tensorsLeftBy(() => broken.outputs(x))).toBe(0);
  });

  it('empiricalNtk and bruteForceNtk: nothing left on success or on an overflowing kernel', async () => {
    await expect(empiricalNtk(broken, x)).rejects.toThrow(OVERFLOW);
    expect(await tensorsLeftBy(() => empiricalNtk(network, x))).toBe(0);
    expect(await tensorsLeftBy(() => empiricalNtk(broken, x))).toBe(0);
    expect(await tensorsLeftBy(() => bruteForceNtk(network, x))).toBe(0);
    // The check can fail: a network left undisposed counts.
    expect(await tensorsLeftBy(() => buildNetwork(spec))).toBeGreaterThan(0);
  });

  it('empiricalCrossKernel (in blocks of rows) and empiricalNystrom: nothing left on success or on overflow', async () => {
    await expect(empiricalCrossKernel(broken, x, xOther)).rejects.toThrow(OVERFLOW);
    expect(await tensorsLeftBy(() => empiricalCrossKernel(network, x, xOther, { rowsPerPass: 4 }))).toBe(0);
    expect(await tensorsLeftBy(() => empiricalCrossKernel(broken, x, xOther, { rowsPerPass: 4 }))).toBe(0);
    expect(await tensorsLeftBy(() => empiricalNystrom(network, x, { landmarks: 3, xTest: xOther }))).toBe(0);
    await expect(empiricalNystrom(broken, x, { landmarks: 3 })).rejects.toThrow(OVERFLOW);
    expect(await tensorsLeftBy(() => empiricalNystrom(broken, x, { landmarks: 3 }))).toBe(0);
  });
});
