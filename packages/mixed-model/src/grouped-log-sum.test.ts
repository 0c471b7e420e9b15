import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterBoundaries, GroupedLogSum } from './grouped-log-sum.js';

/**
 * Σ ν_j log(1 − ζ b_j) term by term (principal branches), and a rounding allowance: the sum's own rounding
 * (∝ Σ ν(1 + |log|)) plus the conditioning of 1 − ζb_j (∝ Σ ν|ζb_j|/|1 − ζb_j|).
 */
function exactLogSum(b: Float64Array, dof: Float64Array, zRe: number, zIm: number) {
  let re = 0;
  let im = 0;
  let magnitude = 0;
  for (let j = 0; j < b.length; j++) {
    const tRe = 1 - zRe * b[j]!;
    const tIm = -zIm * b[j]!;
    const modulus = Math.hypot(tRe, tIm);
    const logModulus = Math.log(modulus);
    const arg = Math.atan2(tIm, tRe);
    re += dof[j]! * logModulus;
    im += dof[j]! * arg;
    magnitude += dof[j]! * (1 + Math.abs(logModulus) + Math.abs(arg) + (Math.hypot(zRe, zIm) * Math.abs(b[j]!)) / modulus);
  }
  return { re, im, rounding: 1e-13 * magnitude };
}

/** Clusters of b around centres of both signs, with relative spreads from 1e-6 to 0.3 (some split). */
const clusteredWeights = fc
  .array(
    fc.record({
      centre: fc.double({ min: 0.01, max: 3, noNaN: true }),
      negative: fc.boolean(),
      spread: fc.constantFrom(1e-6, 1e-3, 0.05, 0.3),
      size: fc.integer({ min: 1, max: 400 }),
      dof: fc.constantFrom(1, 2, 3),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((clusters) => {
    const pairs: [number, number][] = [];
    for (const { centre, negative, spread, size, dof } of clusters) {
      for (let j = 0; j < size; j++) {
        const b = centre * (1 + spread * (size === 1 ? 0 : (2 * j) / (size - 1) - 1));
        pairs.push([negative ? -b : b, dof]);
      }
    }
    pairs.sort((x, y) => x[0] - y[0]);
    return { b: Float64Array.from(pairs, (p) => p[0]), dof: Float64Array.from(pairs, (p) => p[1]) };
  });

describe('clusterBoundaries', () => {
  it('splits at sign changes and where the half-width exceeds spread × the smallest |b|', () => {
    const b = Float64Array.from([-2, -1.9, -1, 0.5, 0.52, 0.62, 3]);
    expect(Array.from(clusterBoundaries(b, 0.1))).toEqual([0, 2, 3, 5, 6, 7]);
    expect(Array.from(clusterBoundaries(b, 0.1, true))).toEqual([0, 2, 3, 5, 6, 7]);
    expect(Array.from(clusterBoundaries(Float64Array.from([1, 1.01, 1.02]), 0.1, true))).toEqual([0, 2, 3]);
    expect(Array.from(clusterBoundaries(Float64Array.from([1, 1.01, 1.02]), 0))).toEqual([0, 1, 2, 3]);
  });
});

describe('GroupedLogSum: clustered S(ζ) = Σ ν log(1 − ζb) against the term-by-term sum', () => {
  it('agrees to its reported bound (plus rounding) on vertical lines, bent contours and near branch points', () => {
    fc.assert(
      fc.property(
        clusteredWeights,
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -0.5, max: 2, noNaN: true }),
        fc.constantFrom(1e-12, 1e-8, 1e-4),
        ({ b, dof }, logY, bendRatio, tolerance) => {
          const sums = new GroupedLogSum(b, dof, 0.1, tolerance);
          const y = 10 ** logY;
          // ζ = x + iy: the vertical line (x = 0) and points off it on either side, some close to a branch point.
          for (const x of [0, bendRatio * y, 1 / b[b.length - 1]! - 1e-3 * y]) {
            sums.evaluate(x, y);
            const exact = exactLogSum(b, dof, x, y);
            expect(sums.errorBound).toBeLessThanOrEqual(tolerance);
            expect(Math.abs(sums.logRe - exact.re)).toBeLessThanOrEqual(sums.errorBound + exact.rounding);
            expect(Math.abs(sums.logIm - exact.im)).toBeLessThanOrEqual(sums.errorBound + exact.rounding);
          }
        },
      ),
      { numRuns: 150, seed: 20261122 },
    );
  });

  it('a tight cluster of 10⁴ weights costs a handful of series terms and is exact to 1e-10', () => {
    // A power-law tail of μ_j shifted by −S/m: −0.8 + 0.8e-3/(1 + j)^1.5, ascending.
    const b = Float64Array.from({ length: 10000 }, (_, j) => -0.8 * (1 - 1e-3 / (1 + j) ** 1.5)).sort();
    const dof = new Float64Array(b.length).fill(1);
    const sums = new GroupedLogSum(b, dof, 0.1, 1e-10);
    expect(sums.clusterCount).toBe(1);
    for (const y of [1e-3, 0.02, 1, 100]) {
      sums.evaluate(0, y);
      const exact = exactLogSum(b, dof, 0, y);
      expect(sums.errorBound).toBeGreaterThan(0); // the series was used (term by term reports 0)
      expect(Math.abs(sums.logRe - exact.re)).toBeLessThan(1e-10 + exact.rounding);
      expect(Math.abs(sums.logIm - exact.im)).toBeLessThan(1e-10 + exact.rounding);
    }
  });
});
