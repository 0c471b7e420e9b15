import betainc from '@stdlib/math-base-special-betainc';
import betaln from '@stdlib/math-base-special-betaln';
import gammainc from '@stdlib/math-base-special-gammainc';
import { describe, expect, it } from 'vitest';
import { chiSquareMixtureTail } from './chi-square-mixture.js';

/** log I_y(a, b) for small y by the hypergeometric series y^a(1−y)^b/(a B(a,b)) Σ (a+b)_k/(a+1)_k y^k. */
function logLowerBeta(y: number, a: number, b: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 100000 && term > 1e-17 * sum; k++) {
    term *= ((a + b + k) / (a + 1 + k)) * y;
    sum += term;
  }
  return a * Math.log(y) + b * Math.log1p(-y) - Math.log(a) - betaln(a, b) + Math.log(sum);
}

const relative = (x: number, ref: number) => Math.abs(x / ref - 1);

describe('chiSquareMixtureTail: two-valued weights are an incomplete beta (math.md §3)', () => {
  // P(εχ²_{k1} − χ²_{k2} ≥ 0) = P(Beta(k2/2, k1/2) ≤ ε/(1+ε)).
  const cases: [number, number][] = [[1, 1], [1, 60], [4, 60], [3, 200], [10, 40]];
  for (const [k1, k2] of cases) {
    it(`k1 = ${k1}, k2 = ${k2}: inversion to 1e-6 relative from p ≈ 0.5 down to 1e-300`, () => {
      for (const epsilon of [1, 0.3, 0.1, 1e-2, 1e-3, 1e-5, 1e-8, 1e-10, 1e-14]) {
        const y = epsilon / (1 + epsilon);
        const logRef = logLowerBeta(y, k2 / 2, k1 / 2);
        if (logRef < Math.log(1e-300) - 50) continue;
        const r = chiSquareMixtureTail([epsilon, -1], { degreesOfFreedom: [k1, k2] });
        expect(r.method).toBe('inversion');
        expect(r.relativeErrorEstimate).toBeLessThan(1e-6);
        expect(Math.abs(r.logP - logRef)).toBeLessThan(1e-6);
        const stdlib = betainc(y, k2 / 2, k1 / 2);
        if (stdlib > 1e-290) {
          // Two independent references agree, and both agree with the inversion.
          expect(relative(stdlib, Math.exp(logRef))).toBeLessThan(1e-9);
          expect(relative(r.p, stdlib)).toBeLessThan(1e-6);
        }
      }
    });
  }

  it('the score-test form: weights μ − s/m with μ ∈ {a, b} give P(B ≥ x)', () => {
    const [a, b, k1, k2] = [3, 0.5, 5, 17];
    for (const x of [0.05, 0.3, 0.6, 0.9, 0.99]) {
      const shift = b + (a - b) * x;
      const weights = [...Array(k1).fill(a - shift), ...Array(k2).fill(b - shift)];
      const r = chiSquareMixtureTail(weights);
      expect(relative(r.p, betainc(x, k1 / 2, k2 / 2, true, true))).toBeLessThan(1e-6);
    }
  });

  it('saddlepoint: relative error ≤ 1e-2 deep in the tail when the top weight carries several degrees of freedom', () => {
    for (const epsilon of [1e-2, 1e-4, 1e-8, 1e-12]) {
      const [k1, k2] = [20, 120];
      const logRef = logLowerBeta(epsilon / (1 + epsilon), k2 / 2, k1 / 2);
      const s = chiSquareMixtureTail([epsilon, -1], { degreesOfFreedom: [k1, k2], method: 'saddlepoint' });
      expect(s.method).toBe('saddlepoint');
      expect(Math.abs(s.logP - logRef)).toBeLessThan(1e-2);
      expect(s.relativeErrorEstimate).toBeLessThan(2e-2);
    }
  });
});

describe('chiSquareMixtureTail: clustered weights (10³–10⁴ distinct weights of a power-law spectrum)', () => {
  const spectrum = (n: number) => Float64Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 1.5);

  it('the clustered series agrees with the term-by-term sum to 1e-9, with an honest error estimate', () => {
    const mu = spectrum(1500);
    const mean = mu.reduce((s, v) => s + v, 0) / mu.length;
    for (const shift of [1.05 * mean, 0.6 * mu[0]!, 0.97 * mu[0]!]) {
      const weights = mu.map((v) => v - shift);
      const clustered = chiSquareMixtureTail(weights);
      const exact = chiSquareMixtureTail(weights, { clusterSpread: 0 });
      expect(clustered.method).toBe('inversion');
      expect(clustered.relativeErrorEstimate).toBeLessThan(1e-7);
      expect(Math.abs(clustered.logP - exact.logP)).toBeLessThan(1e-9);
      expect(Math.abs(clustered.logP - exact.logP)).toBeLessThanOrEqual(
        clustered.relativeErrorEstimate + exact.relativeErrorEstimate,
      );
    }
  });

  it('two tight clusters lie between the incomplete-beta references of their ends (p is increasing in each weight)', () => {
    // k1 weights in [a, a(1 + ε)] and k2 in [b, b(1 + ε)]: P(B ≥ x) at the lower ends ≤ p ≤ at the upper ends.
    const [a, b, k1, k2, epsilon] = [3, 0.5, 40, 4000, 1e-9];
    const spread = (value: number, count: number) => Array.from({ length: count }, (_, j) => value * (1 + (epsilon * j) / (count - 1)));
    const mu = [...spread(a, k1), ...spread(b, k2)];
    for (const x of [0.02, 0.05, 0.1]) {
      const shift = b + (a - b) * x;
      const r = chiSquareMixtureTail(mu.map((v) => v - shift));
      expect(r.relativeErrorEstimate).toBeLessThan(1e-7);
      // Σ (μ_j − shift) χ²₁ ≥ 0 with all μ at the lower (upper) ends is the two-valued case, shift unchanged.
      const lower = betainc((shift - b) / (a - b), k1 / 2, k2 / 2, true, true);
      const upperShift = (shift - b * (1 + epsilon)) / ((a - b) * (1 + epsilon));
      const upper = betainc(upperShift, k1 / 2, k2 / 2, true, true);
      expect(upper / lower - 1).toBeLessThan(1e-5); // the sandwich is tight enough to mean something
      expect(r.p).toBeGreaterThanOrEqual(lower * (1 - 1e-6));
      expect(r.p).toBeLessThanOrEqual(upper * (1 + 1e-6));
    }
  });
});

describe('chiSquareMixtureTail: a single weight is a χ² tail', () => {
  it('P(w χ²_ν ≥ q) = Q(ν/2, q/2w) to 1e-6 relative (bent contour, q ≠ 0)', () => {
    for (const nu of [1, 2, 7]) {
      for (const q of [0.1, 1, 10, 100, 1000]) {
        const r = chiSquareMixtureTail([2], { degreesOfFreedom: nu, threshold: q });
        expect(r.method).toBe('inversion');
        expect(relative(r.p, gammainc(q / 4, nu / 2, true, true))).toBeLessThan(1e-6);
      }
    }
  });

  it('the lower side: P(−χ²_ν ≥ −q) = P(χ²_ν ≤ q)', () => {
    const r = chiSquareMixtureTail([-1], { degreesOfFreedom: 3, threshold: -2 });
    expect(relative(r.p, gammainc(1, 1.5))).toBeLessThan(1e-6);
  });
});

describe('chiSquareMixtureTail: exact edges and bad input', () => {
  it('same-sign weights give exactly 0 or 1', () => {
    expect(chiSquareMixtureTail([1, 2]).p).toBe(1);
    expect(chiSquareMixtureTail([-1, -2]).p).toBe(0);
    expect(chiSquareMixtureTail([-1, -2]).logP).toBe(-Infinity);
    expect(chiSquareMixtureTail([0, 0]).method).toBe('degenerate');
  });
  it('scaling all weights leaves p unchanged; merging equal weights adds their degrees of freedom', () => {
    const w = [0.7, -0.2, -0.2, 0.05, -1.3];
    const p = chiSquareMixtureTail(w).p;
    expect(relative(chiSquareMixtureTail(w.map((v) => v * 1e-9)).p, p)).toBeLessThan(1e-12);
    const merged = chiSquareMixtureTail([0.7, -0.2, 0.05, -1.3], { degreesOfFreedom: [1, 2, 1, 1] }).p;
    expect(relative(merged, p)).toBeLessThan(1e-12);
  });
  it('rejects NaN weights and non-positive degrees of freedom', () => {
    expect(() => chiSquareMixtureTail([1, NaN])).toThrow(/weight 1 is NaN/);
    expect(() => chiSquareMixtureTail([1, -1], { degreesOfFreedom: [1, 0] })).toThrow(/degrees of freedom/);
  });
});
