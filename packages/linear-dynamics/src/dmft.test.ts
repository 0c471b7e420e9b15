import { describe, expect, it } from 'vitest';
import { isotropicData, mixtureData, powerLawData, type DataModel, type Sampling } from './data.js';
import { runChain, solveDmft } from './dmft.js';
import { LinearDynamicsInputError } from './errors.js';
import { createModeBlock, createPopulationBlock } from './input-block.js';
import { lazyIsotropicLoss, marchenkoPasturFirstMomentRule } from './lazy.js';
import type { NetworkSpec } from './network.js';
import { simulateNetwork } from './simulate.js';

const maxGap = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('lazy limit: Marchenko–Pastur closed form', () => {
  it('integrates the first moments of the Marchenko–Pastur law exactly', () => {
    for (const alpha of [0.4, 1, 2.5]) {
      const { nodes, weights } = marchenkoPasturFirstMomentRule(1 / alpha, 6);
      // ∫λ dμ = 1, ∫λ² dμ = 1 + 1/α, ∫λ³ dμ = 1 + 3/α + 1/α²
      const moment = (k: number): number => nodes.reduce((s, x, i) => s + weights[i]! * x ** (k - 1), 0);
      expect(moment(1)).toBeCloseTo(1, 13);
      expect(moment(2)).toBeCloseTo(1 + 1 / alpha, 13);
      expect(moment(3)).toBeCloseTo(1 + 3 / alpha + 1 / alpha ** 2, 12);
    }
  });

  for (const [alpha, noise] of [
    [0.6, 0.3],
    [2, 0.1],
  ] as const) {
    it(`equals the DMFT as ν → ∞ with γ₀²ν fixed (α=${alpha}, σ=${noise})`, () => {
      const nu = 1e8;
      const network: NetworkSpec = { depth: 2, widthRatio: nu, richness: 1 / Math.sqrt(nu), learningRate: 0.1 };
      const steps = 30;
      const theory = solveDmft({
        data: isotropicData({ noise }),
        sampling: { kind: 'repeated', samplesPerDim: alpha },
        network,
        steps,
      });
      const closed = lazyIsotropicLoss({ samplesPerDim: alpha, depth: 2, learningRate: 0.1, initVariance: 1, noise, steps });
      expect(maxGap(theory.testLoss, closed.testLoss)).toBeLessThan(1e-6);
      expect(maxGap(theory.trainLoss, closed.trainLoss)).toBeLessThan(1e-6);
      // and the memory kernel is the constant (L+1)η₀ below the diagonal
      expect(theory.memoryKernel.get(7, 3)).toBeCloseTo(0.3, 6);
    });
  }

  it('is far from the rich DMFT at γ₀ = 1 (so the comparison above has teeth)', () => {
    const rich = solveDmft({
      data: isotropicData(),
      sampling: { kind: 'repeated', samplesPerDim: 2 },
      network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 },
      steps: 21,
    });
    const lazy = lazyIsotropicLoss({ samplesPerDim: 2, depth: 2, learningRate: 0.1, initVariance: 1, steps: 21 });
    expect(Math.abs(rich.testLoss[20]! - lazy.testLoss[20]!)).toBeGreaterThan(0.01);
  });
});

describe('DMFT solvers agree with each other', () => {
  it('the infinite-width population block equals the general mode block', () => {
    const data = powerLawData({ modes: 12, capacity: 1.5, source: 0.5, noise: 0.1 });
    const network: NetworkSpec = { depth: 2, widthRatio: Infinity, richness: 1.5, learningRate: 0.1 };
    const T = 25;
    const vector = createPopulationBlock(data, T);
    runChain(vector, network, T);
    const general = createModeBlock(data, { kind: 'population' }, { steps: T, richness: 1.5, widthRatio: Infinity });
    runChain(general, network, T);
    expect(maxGap(vector.testLoss, general.testLoss)).toBeLessThan(1e-12);
    expect(maxGap(vector.zetaCovariance, general.zetaCovariance)).toBeLessThan(1e-12);
  });

  it('a residual stream with zero branch scale is the one-layer chain', () => {
    const data = isotropicData({ noise: 0.2 });
    const sampling: Sampling = { kind: 'repeated', samplesPerDim: 1.5 };
    const chain = solveDmft({ data, sampling, network: { depth: 1, widthRatio: 0.7, richness: 1.2, learningRate: 0.1 }, steps: 15 });
    const stream = solveDmft({
      data,
      sampling,
      network: { depth: 3, widthRatio: 0.7, richness: 1.2, learningRate: 0.1, residual: { branchScale: 0 } },
      steps: 15,
    });
    expect(maxGap(chain.testLoss, stream.testLoss)).toBeLessThan(1e-12);
    expect(maxGap(chain.trainLoss, stream.trainLoss)).toBeLessThan(1e-12);
  });

  it('μP at large width approaches the infinite-width solution', () => {
    const data = isotropicData();
    const sampling: Sampling = { kind: 'population' };
    const at = (widthRatio: number): Float64Array =>
      solveDmft({ data, sampling, network: { depth: 2, widthRatio, richness: 1, learningRate: 0.1 }, steps: 20 }).testLoss;
    const infinite = at(Infinity);
    const gap100 = maxGap(at(100), infinite);
    const gap1000 = maxGap(at(1000), infinite);
    expect(gap100).toBeGreaterThan(1e-4);
    expect(gap1000).toBeLessThan(gap100 / 5); // finite-width corrections shrink like 1/ν
  });

  it('gives (1 − (L+1)η₀)² at t = 1 for infinite width and population gradient', () => {
    for (const depth of [1, 2, 4]) {
      const r = solveDmft({
        data: isotropicData(),
        sampling: { kind: 'population' },
        network: { depth, widthRatio: Infinity, richness: 0.7, learningRate: 0.08 },
        steps: 2,
      });
      expect(r.testLoss[1]!).toBeCloseTo((1 - (depth + 1) * 0.08) ** 2, 14);
    }
  });
});

describe('DMFT against finite networks (spec §2.7, sims at D = 300)', () => {
  const settings: [string, DataModel, Sampling, NetworkSpec][] = [
    [
      'GD ν=.5 α=.7 L=3 γ₀=1.5 η₀=.04 σ=.3',
      isotropicData({ noise: 0.3 }),
      { kind: 'repeated', samplesPerDim: 0.7 },
      { depth: 3, widthRatio: 0.5, richness: 1.5, learningRate: 0.04 },
    ],
    [
      'ResNet L=3 β_r=.6 α=2 η₀=.03',
      isotropicData(),
      { kind: 'repeated', samplesPerDim: 2 },
      { depth: 3, widthRatio: 1, richness: 1, learningRate: 0.03, residual: { branchScale: 0.6 } },
    ],
    [
      'two-mode Λ, online SGD α_B=.5',
      mixtureData(
        [
          { weight: 0.5, eigenvalue: 1.6, targetVariance: 0.5 },
          { weight: 0.5, eigenvalue: 0.4, targetVariance: 1.5 },
        ],
        0.2,
      ),
      { kind: 'online', batchPerDim: 0.5 },
      { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 },
    ],
  ];
  for (const [name, data, sampling, network] of settings) {
    it(`${name}: test loss within 3 standard errors at t = 5, 10, 20`, () => {
      // 20 seeds: with ŝe from few seeds the 3ŝe check fails by chance too often (t₅: 3% a check, t₁₉: 0.7%)
      const seeds = 20;
      const theory = solveDmft({ data, sampling, network, steps: 21 });
      const runs = Array.from({ length: seeds }, (_, s) =>
        simulateNetwork({ data, sampling, network, inputDim: 300, steps: 21, seed: 100 + s }),
      );
      for (const t of [5, 10, 20]) {
        const values = runs.map((r) => r.testLoss[t]!);
        const mean = values.reduce((a, b) => a + b) / seeds;
        const se = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / ((seeds - 1) * seeds));
        expect(Math.abs(mean - theory.testLoss[t]!)).toBeLessThan(3 * se);
      }
    });
  }
});

describe('input checks', () => {
  it('names the problem', () => {
    const network: NetworkSpec = { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 };
    expect(() =>
      solveDmft({ data: isotropicData(), sampling: { kind: 'repeated', samplesPerDim: -1 }, network, steps: 5 }),
    ).toThrow(/samplesPerDim/);
    expect(() => solveDmft({ data: isotropicData(), sampling: { kind: 'population' }, network, steps: 0 })).toThrow(
      LinearDynamicsInputError,
    );
    expect(() => mixtureData([{ weight: 0.5, eigenvalue: 1, targetVariance: 1 }])).toThrow(/sum to 1/);
  });
});
