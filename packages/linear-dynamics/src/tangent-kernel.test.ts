import { describe, expect, it } from 'vitest';
import { isotropicData } from './data.js';
import type { NetworkSpec } from './network.js';
import { drawProblem, simulateNetwork, type SimulationOptions } from './simulate.js';
import { initialTangentKernel } from './tangent-kernel.js';

function quadraticForm(kernel: { rows: number; data: Float64Array }, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < kernel.rows; i++) for (let j = 0; j < kernel.rows; j++) s += v[i]! * kernel.data[i * kernel.rows + j]! * v[j]!;
  return s;
}

describe('initialTangentKernel', () => {
  const networks: [string, NetworkSpec][] = [
    ['plain L = 3', { depth: 3, widthRatio: 1.5, richness: 1.3, learningRate: 1e-7 }],
    ['residual β_r = 0.7', { depth: 2, widthRatio: 1, richness: 0.8, learningRate: 1e-7, residual: { branchScale: 0.7 } }],
  ];
  for (const [name, network] of networks) {
    it(`predicts the first GD step of the simulator: L̂(1) − L̂(0) = −2η vᵀΘv/P (${name})`, () => {
      const options: SimulationOptions = {
        data: isotropicData({ noise: 0.4 }),
        sampling: { kind: 'repeated', samplesPerDim: 1.2 },
        network,
        inputDim: 20,
        steps: 2,
        seed: 9,
      };
      const { kernel, initialOutput, targets, rawLearningRate } = initialTangentKernel(options);
      const P = targets.length;
      const residual = targets.map((y, mu) => y - initialOutput[mu]!);
      const { trainLoss } = simulateNetwork(options);
      // the simulator's train loss at t = 0 is ‖y − f0‖²/P: checks f0 and y
      expect(trainLoss[0]).toBeCloseTo(residual.reduce((s, v) => s + v * v, 0) / P, 12);
      const predicted = (-2 * rawLearningRate * quadraticForm(kernel, residual)) / P;
      expect(Math.abs(trainLoss[1]! - trainLoss[0]! - predicted)).toBeLessThan(1e-4 * Math.abs(predicted));
    });
  }

  it('approaches the lazy kernel (L + 1)·XXᵀ/P (in units of η₀) as the NTK-parameterised width grows', () => {
    const lazyGap = (widthRatio: number): number => {
      const options: SimulationOptions = {
        data: isotropicData(),
        sampling: { kind: 'repeated', samplesPerDim: 1 },
        network: { depth: 2, widthRatio, richness: 1 / Math.sqrt(widthRatio), learningRate: 0.1 },
        inputDim: 8,
        steps: 1,
        seed: 4,
      };
      const { kernel, rawLearningRate } = initialTangentKernel(options);
      const X = drawProblem(options).batch!.inputs;
      const [P, D] = [kernel.rows, options.inputDim];
      const toEta0Units = rawLearningRate / options.network.learningRate;
      let gap = 0;
      let norm = 0;
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < P; j++) {
          let xx = 0;
          for (let k = 0; k < D; k++) xx += X[i * D + k]! * X[j * D + k]!;
          const lazy = (3 * xx) / P;
          gap += (toEta0Units * kernel.data[i * P + j]! - lazy) ** 2;
          norm += lazy ** 2;
        }
      }
      return Math.sqrt(gap / norm);
    };
    const wide = lazyGap(150);
    expect(wide).toBeLessThan(0.1);
    expect(wide).toBeLessThan(lazyGap(1) / 3);
  });

  it("refuses online sampling (no fixed training set)", () => {
    expect(() =>
      initialTangentKernel({ data: isotropicData(), sampling: { kind: 'online', batchPerDim: 1 }, network: networks[0]![1], inputDim: 10, steps: 1, seed: 1 }),
    ).toThrow(/repeated/);
  });
});
