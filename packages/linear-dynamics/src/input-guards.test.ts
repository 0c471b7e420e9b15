import { describe, expect, it } from 'vitest';
import {
  LinearDynamicsInputError,
  isotropicData,
  lazyIsotropicLoss,
  simulateNetwork,
  solveDmft,
  type DataModel,
  type SimulationOptions,
} from './index.js';

const allFinite = (a: Float64Array) => a.every(Number.isFinite);

/** A small repeated-data run: one network layer, η₀ = 0.1, unless the test says otherwise. */
const simulation = (overrides: Partial<SimulationOptions> = {}): SimulationOptions => ({
  data: isotropicData(),
  sampling: { kind: 'repeated', samplesPerDim: 2 },
  network: { depth: 1, widthRatio: 1, richness: 1, learningRate: 0.1 },
  inputDim: 4,
  steps: 3,
  seed: 0,
  ...overrides,
});

describe('divergence is reported, never returned as NaN', () => {
  const dmft = (learningRate: number) =>
    solveDmft({
      data: isotropicData({ noise: 0.1 }),
      sampling: { kind: 'repeated', samplesPerDim: 2 },
      network: { depth: 2, widthRatio: 1, richness: 0.5, learningRate },
      steps: 10,
    });

  it('solveDmft past the edge of stability stops at the diverged step', () => {
    const run = dmft(0.5);
    expect(run.diverged).toBeGreaterThan(0);
    expect(run.diverged).toBeLessThan(10);
    expect(run.testLoss).toHaveLength(run.diverged!);
    expect(run.memoryKernel.rows).toBe(run.diverged);
    expect(allFinite(run.testLoss) && allFinite(run.trainLoss) && allFinite(run.errorCovariance.data)).toBe(true);
    const stable = dmft(0.05);
    expect(stable.diverged).toBeUndefined();
    expect(stable.testLoss).toHaveLength(10);
  });

  it('simulateNetwork and lazyIsotropicLoss at learning rate 100 report divergence', () => {
    const sim = simulateNetwork(simulation({ network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 100 }, inputDim: 8, steps: 20, seed: 1 }));
    expect(sim.diverged).toBeDefined();
    expect(sim.testLoss).toHaveLength(sim.diverged!);
    expect(allFinite(sim.testLoss)).toBe(true);
    const lazy = (learningRate: number) => lazyIsotropicLoss({ samplesPerDim: 2, depth: 2, learningRate, initVariance: 1, steps: 100 });
    const blown = lazy(100);
    expect(blown.diverged).toBeDefined();
    expect(Math.max(...blown.testLoss)).toBeLessThanOrEqual(1e12 * blown.testLoss[0]!);
    expect(lazy(0.1).diverged).toBeUndefined();
  });
});

describe('a DataModel is validated where it is consumed', () => {
  const options = (data: DataModel): SimulationOptions => simulation({ data });
  const hand = (eigenvalue: number, noise: number, weight = 1): DataModel => ({ modes: [{ weight, eigenvalue, targetVariance: 1 }], noise });

  it('refuses a negative eigenvalue, a NaN noise and weights not summing to 1', () => {
    for (const [data, message] of [
      [hand(-1, 0), /mode 0 eigenvalue must be a positive finite number, got -1/],
      [hand(1, NaN), /noise must be a finite number >= 0, got NaN/],
      [hand(1, 0, 0.5), /mode weights must sum to 1, got 0.5/],
    ] as const) {
      expect(() => simulateNetwork(options(data))).toThrow(message);
      expect(() => solveDmft({ ...options(data), steps: 3 })).toThrow(LinearDynamicsInputError);
    }
    expect(() => solveDmft({ ...options({ modes: undefined } as unknown as DataModel) })).toThrow(/data must be a DataModel/);
  });

  it('bounds the data parameters', () => {
    expect(() => isotropicData({ targetVariance: 1e300 })).toThrow(/mode 0 targetVariance is 1e\+300, above 1000000; rescale the data/);
    expect(() => simulateNetwork(options(hand(1e7, 0)))).toThrow(/eigenvalue is 10000000, above/);
    expect(() => lazyIsotropicLoss({ samplesPerDim: 2, depth: 1, learningRate: 0.1, initVariance: 1, targetVariance: 1e300, steps: 2 })).toThrow(
      /targetVariance is 1e\+300/,
    );
    expect(allFinite(simulateNetwork(options(isotropicData({ targetVariance: 1e6 }))).testLoss)).toBe(true);
  });
});

describe('simulateNetwork checks its options object', () => {
  const base = simulation({ steps: 2 });

  it('refuses an unknown sampling kind and a missing data model', () => {
    const batch = { ...base, sampling: { kind: 'batch' } } as unknown as SimulationOptions;
    expect(() => simulateNetwork(batch)).toThrow(LinearDynamicsInputError);
    expect(() => simulateNetwork(batch)).toThrow(/sampling must be \{ kind: 'repeated' \| 'online' \| 'population', … \}, got kind "batch"/);
    const { data: _omitted, ...noData } = base;
    expect(() => simulateNetwork(noData as SimulationOptions)).toThrow(/options\.data is missing/);
    expect(simulateNetwork(base).testLoss).toHaveLength(2);
  });
});
