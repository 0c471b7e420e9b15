import * as tf from '@tensorflow/tfjs';
import { Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { analyticKernels } from './analytic.js';
import { empiricalNtk } from './empirical.js';
import type { DenseNetwork } from './network.js';
import { buildNetwork } from './network.js';
import { readSequential } from './read-sequential.js';
import type { MlpSpec } from './spec.js';
import { inputs, relativeError } from './test-utils.js';

/**
 * Analytic = Monte-Carlo mean of empirical kernels of finite networks, within 4 measured standard
 * errors of that mean (Frobenius, relative): E‖K̄ − K‖² = SE², so a wrong kernel (or a bias the
 * width leaves) shows once it passes 4 SE. The SE is held below 0.041/3, neural-tangents' relative
 * tolerance at width 1024, so the check is at least as tight as theirs (seeds are fixed, so the
 * outcome is deterministic).
 */
const TOLERANCE = 0.041;
const STANDARD_ERRORS = 4;

async function monteCarlo(make: (seed: number) => DenseNetwork, x: number[][], samples: number) {
  const n = x.length;
  const kernels: Float64Array[] = [];
  for (let s = 0; s < samples; s++) {
    const network = make(s);
    kernels.push((await empiricalNtk(network, x)).ntk.matrix.data);
    network.dispose();
  }
  const mean = new Float64Array(n * n);
  for (const k of kernels) k.forEach((v, i) => (mean[i]! += v / samples));
  // Standard error of the mean in Frobenius norm: √(Σ_s ‖K_s − K̄‖² / (S(S−1))).
  const spread = kernels.reduce((acc, k) => acc + k.reduce((a, v, i) => a + (v - mean[i]!) ** 2, 0), 0);
  const norm = Math.sqrt(mean.reduce((a, v) => a + v * v, 0));
  return { mean: new Matrix64(n, n, mean), relativeStandardError: Math.sqrt(spread / (samples * (samples - 1))) / norm };
}

const activations: MlpSpec['activation'][] = [
  { name: 'relu' },
  { name: 'leaky_relu', slope: -1 },
  { name: 'erf' },
  { name: 'tanh' },
  { name: 'gelu' },
  { name: 'sigmoid' },
  { name: 'identity' },
];
const cases = activations.flatMap((activation) =>
  (['ntk', 'standard', 'mup'] as const).map((parameterisation) => ({ activation, parameterisation })),
);

describe('analytic NTK = Monte-Carlo mean of empirical NTKs at width 1024', () => {
  const x = inputs(4, 4, 7);

  it.each(cases)('one hidden layer: $activation.name, $parameterisation', async ({ activation, parameterisation }) => {
    const spec: MlpSpec = {
      inputDim: 4,
      hiddenWidths: [1024],
      activation,
      weightStd: 1.5,
      // μP's kernel is O(1/N) apart from the readout bias σ_b²: without that bias the check sees the network part.
      biasStd: parameterisation === 'mup' ? [0.2, 0] : 0.2,
      parameterisation,
      // The mean over 4 outputs' kernels (same limit) averages out the readout weights' χ² noise.
      outputDim: 4,
    };
    const { mean, relativeStandardError } = await monteCarlo((seed) => buildNetwork(spec, { seed }), x, 64);
    expect(relativeStandardError).toBeLessThan(TOLERANCE / 3);
    const error = relativeError(mean, analyticKernels(spec, x).train.ntk.matrix);
    if (process.env.DUALITY_NTK_VERBOSE) console.log(spec.hiddenWidths, activation.name, parameterisation, error, relativeStandardError);
    expect(error).toBeLessThan(STANDARD_ERRORS * relativeStandardError);
  });

  it.each([
    { activation: { name: 'relu' as const }, parameterisation: 'ntk' as const },
    { activation: { name: 'tanh' as const }, parameterisation: 'standard' as const },
    { activation: { name: 'gelu' as const }, parameterisation: 'mup' as const },
  ])('two hidden layers: $activation.name, $parameterisation', async ({ activation, parameterisation }) => {
    const spec: MlpSpec = {
      inputDim: 4,
      hiddenWidths: [1024, 1024],
      activation,
      weightStd: 1.4,
      biasStd: parameterisation === 'mup' ? [0.1, 0.1, 0] : 0.1,
      parameterisation,
      // The mean over 4 outputs' kernels (same limit) averages out the readout weights' χ² noise.
      outputDim: 4,
    };
    // 48 samples: with 32 the standard-error guard sat at its edge for gelu under μP (0.0138 vs 0.0137).
    const { mean, relativeStandardError } = await monteCarlo((seed) => buildNetwork(spec, { seed }), x, 48);
    expect(relativeStandardError).toBeLessThan(TOLERANCE / 3);
    const error = relativeError(mean, analyticKernels(spec, x).train.ntk.matrix);
    if (process.env.DUALITY_NTK_VERBOSE) console.log(spec.hiddenWidths, activation.name, parameterisation, error, relativeStandardError);
    expect(error).toBeLessThan(STANDARD_ERRORS * relativeStandardError);
  });
});

describe('a real tf.layers.dense network (standard parameterisation)', () => {
  it('matches the analytic kernel of its read plans better as width grows', async () => {
    const x = inputs(4, 3, 11);
    const errors: number[] = [];
    for (const width of [16, 512]) {
      const make = (seed: number) => {
        const model = tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [3], units: width, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 * seed + 1 }) }),
            tf.layers.dense({ units: width, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 * seed + 2 }) }),
            tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 * seed + 3 }) }),
          ],
        });
        const network = readSequential(model);
        // The network borrows the model's variables: release them with the model.
        return Object.assign(network, { dispose: () => model.dispose() }) as DenseNetwork;
      };
      const plans = make(0).plans;
      const { mean } = await monteCarlo(make, x, 12);
      errors.push(relativeError(mean, analyticKernels(plans, x).train.ntk.matrix));
    }
    expect(errors[1]!).toBeLessThan(TOLERANCE);
    expect(errors[1]!).toBeLessThan(errors[0]!);
  });
});
