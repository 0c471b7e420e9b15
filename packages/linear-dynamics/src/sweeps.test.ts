import { describe, expect, it } from 'vitest';
import { isotropicData } from './data.js';
import { solveDmft } from './dmft.js';
import { depthMuPBranchScale, ntkRichness } from './network.js';
import { learningRateSweep, logLogSlope } from './sweeps.js';

// spec §3 reference values (computed by the reference solver, our normalisation)
describe('spec §3 experiments, DMFT only', () => {
  it('Fig 1: wider is better under μP; NTK saturates at the lazy curve (α=2, L=2, η₀=.1)', () => {
    const testAt = (widthRatio: number, richness: number): [number, number] => {
      const { testLoss } = solveDmft({
        data: isotropicData(),
        sampling: { kind: 'repeated', samplesPerDim: 2 },
        network: { depth: 2, widthRatio, richness, learningRate: 0.1 },
        steps: 41,
      });
      return [testLoss[10]!, testLoss[40]!];
    };
    // [ν, 𝓛(10), 𝓛(40), decimals quoted for 𝓛(40)]
    const muP: [number, number, number, number][] = [
      [0.25, 1.073, 0.691, 3],
      [1, 0.269, 0.029, 3],
      [4, 0.098, 0.004, 4],
      [16, 0.063, 0.0018, 4],
    ];
    let previous = Infinity;
    for (const [nu, at10, at40, decimals] of muP) {
      const [t10, t40] = testAt(nu, 1);
      expect(t10).toBeCloseTo(at10, 3);
      expect(t40).toBeCloseTo(at40, decimals);
      expect(t40).toBeLessThan(previous);
      previous = t40;
    }
    const ntk16 = testAt(16, ntkRichness(16));
    expect(ntk16[0]).toBeCloseTo(0.15, 3);
    expect(ntk16[1]).toBeGreaterThan(testAt(16, 1)[1]); // wide μP beats wide NTK
  });

  it('Fig 2: the optimal η₀ moves with width under NTK, much less under μP (α=4, L=3, T=20)', () => {
    const learningRates = [0.02, 0.04, 0.08, 0.12, 0.16, 0.24, 0.32, 0.48, 0.64];
    const sweep = (widthRatio: number, richness: number) =>
      learningRateSweep({
        data: isotropicData(),
        sampling: { kind: 'repeated', samplesPerDim: 4 },
        network: { depth: 3, widthRatio, richness },
        steps: 20,
        learningRates,
      });
    const ntkSmall = sweep(0.5, ntkRichness(0.5));
    const ntkLarge = sweep(8, ntkRichness(8));
    const muPSmall = sweep(0.5, 1);
    const muPLarge = sweep(8, 1);
    expect([ntkSmall.best, ntkLarge.best]).toEqual([0.08, 0.16]);
    expect([muPSmall.best, muPLarge.best]).toEqual([0.08, 0.12]);
    expect(ntkSmall.largestStable).toBe(0.16);
    expect(ntkLarge.largestStable).toBe(0.48);
  });

  it('Fig 5: residual networks with β₀/√L converge as depth grows (α=2, ν=1, η₀=.02, β₀=1, t=30)', () => {
    const reference: [number, number][] = [
      [1, 0.3579],
      [2, 0.3469],
      [4, 0.3434],
      [8, 0.3426],
    ];
    for (const [depth, loss] of reference) {
      const { testLoss } = solveDmft({
        data: isotropicData(),
        sampling: { kind: 'repeated', samplesPerDim: 2 },
        network: { depth, widthRatio: 1, richness: 1, learningRate: 0.02, residual: { branchScale: depthMuPBranchScale(1, depth) } },
        steps: 31,
      });
      expect(testLoss[30]!).toBeCloseTo(loss, 4);
    }
  });

  it('measures local log–log slopes', () => {
    const curve = Float64Array.from({ length: 50 }, (_, t) => (t === 0 ? 1 : 3 * t ** -0.75));
    expect(logLogSlope(curve, 5, 40)).toBeCloseTo(-0.75, 12);
    expect(() => logLogSlope(curve, 0, 10)).toThrow(/0 < a < b/);
  });
});
