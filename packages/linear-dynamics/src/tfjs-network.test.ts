import { describe, expect, it } from 'vitest';
import { isotropicData, mixtureData } from './data.js';
import type { NetworkSpec } from './network.js';
import { simulateNetwork, type SimulationOptions } from './simulate.js';
import { trainTfjsNetwork } from './tfjs-network.js';

/** Largest |a − b|/b over the curve: float32 training against the float64 simulator. */
function worstRelativeGap(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let t = 0; t < a.length; t++) worst = Math.max(worst, Math.abs(a[t]! - b[t]!) / Math.abs(b[t]!));
  return worst;
}

const plain: NetworkSpec = { depth: 3, widthRatio: 1.5, richness: 1.2, learningRate: 0.08 };

describe('trainTfjsNetwork: the same network as a TF.js model, trained by autodiff GD in float32', () => {
  const cases: [string, SimulationOptions][] = [
    ['plain, repeated data, noise', { data: isotropicData({ noise: 0.3 }), sampling: { kind: 'repeated', samplesPerDim: 1.5 }, network: plain, inputDim: 24, steps: 25, seed: 3 }],
    ['NTK parameterisation (γ₀ = 1/√ν)', { data: isotropicData(), sampling: { kind: 'repeated', samplesPerDim: 2 }, network: { depth: 2, widthRatio: 4, richness: 0.5, learningRate: 0.1 }, inputDim: 16, steps: 20, seed: 5 }],
    ['residual, β_r = 0.6, two-mode data', { data: mixtureData([{ weight: 0.5, eigenvalue: 1.6, targetVariance: 0.5 }, { weight: 0.5, eigenvalue: 0.4, targetVariance: 1.5 }], 0.2), sampling: { kind: 'repeated', samplesPerDim: 2 }, network: { depth: 3, widthRatio: 1, richness: 1, learningRate: 0.03, residual: { branchScale: 0.6 } }, inputDim: 20, steps: 25, seed: 7 }],
    ['one-pass SGD', { data: isotropicData({ noise: 0.2 }), sampling: { kind: 'online', batchPerDim: 0.5 }, network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 }, inputDim: 24, steps: 20, seed: 11 }],
  ];
  for (const [name, options] of cases) {
    it(`equals simulateNetwork step for step: ${name}`, async () => {
      const exact = simulateNetwork(options);
      const tfjs = await trainTfjsNetwork(options);
      // the losses move by O(1) over the run, and float32 rounding stays near 1e-6, so agreement to 2e-5 means the same trajectory
      expect(exact.testLoss[options.steps - 1]!).toBeLessThan(0.8 * exact.testLoss[0]!);
      expect(worstRelativeGap(tfjs.testLoss, exact.testLoss)).toBeLessThan(2e-5);
      expect(worstRelativeGap(tfjs.trainLoss, exact.trainLoss)).toBeLessThan(2e-5);
    });
  }

  it('a different seed gives a different trajectory (the check can fail)', async () => {
    const [, options] = cases[0]!;
    const exact = simulateNetwork(options);
    const other = await trainTfjsNetwork({ ...options, seed: options.seed + 1 });
    expect(worstRelativeGap(other.testLoss, exact.testLoss)).toBeGreaterThan(1e-2);
  });

  it('refuses the population gradient with a message naming the fix', async () => {
    const [, options] = cases[0]!;
    await expect(trainTfjsNetwork({ ...options, sampling: { kind: 'population' } })).rejects.toThrow(/repeated' or 'online/);
  });
});
