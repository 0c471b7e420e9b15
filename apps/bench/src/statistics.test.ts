import { describe, expect, it } from 'vitest';
import { binomialAcceptance, medianQuartiles, quantile } from './statistics.js';

/** Binomial pmf by direct products (an independent route from the log-space recursion). */
function directPmf(replicates: number, alpha: number): number[] {
  return Array.from({ length: replicates + 1 }, (_, k) => {
    let coefficient = 1;
    for (let j = 0; j < k; j++) coefficient *= (replicates - j) / (j + 1);
    return coefficient * alpha ** k * (1 - alpha) ** (replicates - k);
  });
}

describe('binomialAcceptance', () => {
  it('puts at most (1 − level)/2 outside each end, and the next count inside would exceed it', () => {
    for (const [replicates, alpha, level] of [
      [40, 0.1, 0.99],
      [200, 0.01, 0.95],
      [60, 0.5, 0.9],
    ] as const) {
      const pmf = directPmf(replicates, alpha);
      const { lo, hi } = binomialAcceptance(replicates, alpha, level);
      const tail = (1 - level) / 2;
      const sum = (from: number, to: number) => pmf.slice(from, to + 1).reduce((s, v) => s + v, 0);
      expect(sum(0, lo - 1)).toBeLessThanOrEqual(tail);
      expect(sum(0, lo)).toBeGreaterThan(tail);
      expect(sum(hi + 1, replicates)).toBeLessThanOrEqual(tail);
      expect(sum(hi, replicates)).toBeGreaterThan(tail);
    }
  });

  it('is symmetric at α = 1/2 and near the normal interval for many replicates', () => {
    const { lo, hi } = binomialAcceptance(100, 0.5, 0.99);
    expect(lo + hi).toBe(100);
    const big = binomialAcceptance(20000, 0.05, 0.99);
    const half = 2.576 * Math.sqrt(20000 * 0.05 * 0.95);
    expect(Math.abs(big.hi - (1000 + half))).toBeLessThan(4);
    expect(Math.abs(big.lo - (1000 - half))).toBeLessThan(4);
  });

  it('names bad input', () => {
    expect(() => binomialAcceptance(10, 0, 0.99)).toThrow(/α must be in/);
    expect(() => binomialAcceptance(0, 0.1, 0.99)).toThrow(/replicates/);
  });
});

describe('quantile', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(medianQuartiles([1, 2, 3, 4, 5], 2)).toBe('3.0 [2.0, 4.0]');
  });
});
