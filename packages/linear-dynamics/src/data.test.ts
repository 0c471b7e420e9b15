import { describe, expect, it } from 'vitest';
import { directionSpectrum, mixtureData, powerLawData } from './data.js';
import { createRng } from './random.js';

describe('createRng', () => {
  it('draws standard normals reproducibly', () => {
    const draws = createRng(42).fillGaussian(new Float64Array(200_000));
    const n = draws.length;
    const mean = draws.reduce((a, b) => a + b) / n;
    const second = draws.reduce((a, b) => a + b * b, 0) / n;
    const fourth = draws.reduce((a, b) => a + b ** 4, 0) / n;
    // standard errors: 1/√n ≈ .0022, √(2/n) ≈ .0032, √(96/n) ≈ .022
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(second - 1)).toBeLessThan(0.015);
    expect(Math.abs(fourth - 3)).toBeLessThan(0.1);
    expect(createRng(42).gaussian()).toBe(draws[0]);
    expect(createRng(43).gaussian()).not.toBe(draws[0]);
  });

  it('gives uniforms in [0, 1) with the right mean', () => {
    const rng = createRng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });
});

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
