import { describe, expect, it } from 'vitest';
import { directionSpectrum, mixtureData, powerLawData } from './data.js';

describe('data models', () => {
  it('power law: largest eigenvalue 1, unit target signal, the requested exponents', () => {
    const data = powerLawData({ modes: 500, capacity: 1.5, source: 0.5 });
    const m = data.modes;
    expect(m[0]!.eigenvalue).toBe(1);
    expect(m.reduce((s, x) => s + x.weight * x.eigenvalue * x.targetVariance, 0)).toBeCloseTo(1, 12);
    // λ_k s_k ∝ k^(−ab−1) = k^(−1.75); λ_k ∝ k^(−1.5)
    const signal = (k: number): number => m[k - 1]!.eigenvalue * m[k - 1]!.targetVariance;
    expect(Math.log(signal(100) / signal(10)) / Math.log(10)).toBeCloseTo(-1.75, 12);
    expect(Math.log(m[99]!.eigenvalue / m[9]!.eigenvalue) / Math.log(10)).toBeCloseTo(-1.5, 12);
  });

  it('spreads modes over input directions by weight', () => {
    const data = mixtureData([
      { weight: 0.25, eigenvalue: 2, targetVariance: 1 },
      { weight: 0.75, eigenvalue: 0.5, targetVariance: 3 },
    ]);
    const { eigenvalues, targetVariances } = directionSpectrum(data, 8);
    expect(Array.from(eigenvalues)).toEqual([2, 2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(targetVariances[7]).toBe(3);
  });
});
