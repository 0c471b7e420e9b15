import { describe, expect, it } from 'vitest';
import { normalGenerator, seededPermutation, uniformGenerator } from './random.js';

describe('normalGenerator', () => {
  it('draws standard normals reproducibly', () => {
    const draws = Float64Array.from({ length: 200_000 }, normalGenerator(42));
    const n = draws.length;
    const mean = draws.reduce((a, b) => a + b) / n;
    const second = draws.reduce((a, b) => a + b * b, 0) / n;
    const fourth = draws.reduce((a, b) => a + b ** 4, 0) / n;
    // standard errors: 1/√n ≈ .0022, √(2/n) ≈ .0032, √(96/n) ≈ .022
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(second - 1)).toBeLessThan(0.015);
    expect(Math.abs(fourth - 3)).toBeLessThan(0.1);
    expect(normalGenerator(42)()).toBe(draws[0]);
    expect(normalGenerator(43)()).not.toBe(draws[0]);
  });
});

describe('uniformGenerator', () => {
  it('gives uniforms in [0, 1) with the right mean', () => {
    const uniform = uniformGenerator(7);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });
});

describe('seededPermutation', () => {
  it('is a permutation, fixed by its seed', () => {
    const p = seededPermutation(100, 3);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seededPermutation(100, 3)).toEqual(p);
    expect(seededPermutation(100, 4)).not.toEqual(p);
  });

  it('refuses a size that is not a count', () => {
    for (const n of [2.5, -1, Number.NaN]) expect(() => seededPermutation(n, 0)).toThrow(/n must be a non-negative integer/);
    expect(seededPermutation(0, 0)).toEqual([]);
  });
});
