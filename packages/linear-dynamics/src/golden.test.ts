import { describe, expect, it } from 'vitest';
import { isotropicData, mixtureData, type DataModel, type Sampling } from './data.js';
import { solveDmft } from './dmft.js';
import type { NetworkSpec } from './network.js';

const reportedSteps = [0, 1, 5, 10, 20];

interface GoldenCase {
  name: string;
  data: DataModel;
  sampling: Sampling;
  network: NetworkSpec;
  test: number[];
  train?: number[];
}

// spec §2.7 golden values (test loss, then train loss, at t = 0, 1, 5, 10, 20)
const cases: GoldenCase[] = [
  {
    name: 'G1 GD ν=1 α=2 L=2 γ₀=1 η₀=.1 σ=0',
    data: isotropicData(),
    sampling: { kind: 'repeated', samplesPerDim: 2 },
    network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 },
    test: [2.0, 0.964143, 0.468852, 0.269007, 0.113114],
    train: [2.0, 0.688136, 0.217233, 0.09089, 0.026871],
  },
  {
    name: 'G2 GD ν=.5 α=.7 L=3 γ₀=1.5 η₀=.04 σ=.3',
    data: isotropicData({ noise: 0.3 }),
    sampling: { kind: 'repeated', samplesPerDim: 0.7 },
    network: { depth: 3, widthRatio: 0.5, richness: 1.5, learningRate: 0.04 },
    test: [1.978889, 1.265417, 1.062517, 1.017799, 0.976751],
    train: [1.978889, 0.83894, 0.374961, 0.199828, 0.081974],
  },
  {
    name: 'G3 SGD α_B=.5 ν=1 L=2 γ₀=1 η₀=.1 σ=.2',
    data: isotropicData({ noise: 0.2 }),
    sampling: { kind: 'online', batchPerDim: 0.5 },
    network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 },
    test: [2.04, 1.355944, 0.530963, 0.249062, 0.088672],
    train: [2.04, 1.355944, 0.530963, 0.249062, 0.088672],
  },
  {
    name: 'G4 GD ν=4 α=3 L=2 γ₀=.5 (NTK) η₀=.15',
    data: isotropicData(),
    sampling: { kind: 'repeated', samplesPerDim: 3 },
    network: { depth: 2, widthRatio: 4, richness: 0.5, learningRate: 0.15 },
    test: [2.0, 0.736351, 0.156276, 0.04272, 0.00534],
    train: [2.0, 0.482315, 0.064125, 0.014015, 0.001449],
  },
  {
    name: 'G5 ResNet ν=1 α=2 L=3 γ₀=1 η₀=.03 β_r=.6',
    data: isotropicData(),
    sampling: { kind: 'repeated', samplesPerDim: 2 },
    network: { depth: 3, widthRatio: 1, richness: 1, learningRate: 0.03, residual: { branchScale: 0.6 } },
    test: [3.515456, 1.704411, 0.864206, 0.57875, 0.335097],
    train: [3.515456, 1.325503, 0.491955, 0.264065, 0.114362],
  },
  {
    name: 'G6 two-mode ν=1 α=1.5 L=2 γ₀=1 η₀=.1 σ=.2',
    data: mixtureData(
      [
        { weight: 0.5, eigenvalue: 1.6, targetVariance: 0.5 },
        { weight: 0.5, eigenvalue: 0.4, targetVariance: 1.5 },
      ],
      0.2,
    ),
    sampling: { kind: 'repeated', samplesPerDim: 1.5 },
    network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 },
    test: [1.74, 0.82673, 0.472766, 0.359373, 0.257875],
    train: [1.74, 0.567365, 0.202545, 0.11629, 0.060046],
  },
  {
    name: 'G7 ν=∞ population L=1 γ₀=1 η₀=.1',
    data: isotropicData(),
    sampling: { kind: 'population' },
    network: { depth: 1, widthRatio: Infinity, richness: 1, learningRate: 0.1 },
    test: [1.0, 0.64, 0.089748, 0.00466, 0.000007],
  },
];

describe('DMFT golden values (spec §2.7)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = solveDmft({ data: c.data, sampling: c.sampling, network: c.network, steps: 21 });
      reportedSteps.forEach((t, i) => {
        expect(Math.abs(result.testLoss[t]! - c.test[i]!)).toBeLessThan(1e-6);
        if (c.train) expect(Math.abs(result.trainLoss[t]! - c.train[i]!)).toBeLessThan(1e-6);
      });
    });
  }
});
