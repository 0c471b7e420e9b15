import { Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { remlStoppingTime } from './reml.js';
import { fitSpectral } from './spectral-fit.js';
import {
  denseLogDet,
  denseSolve,
  goldenMaximum,
  multiply,
  normalGenerator,
  randomOrthogonal,
  spectralFunction,
} from './test-utils.js';

/** The restricted (or, without X, the ordinary) profile log-likelihood of u ~ N(Xβ, σ² e^{tΘ}), densely. */
function denseProfile(u: Matrix64, vectors: Matrix64, values: number[], x: Matrix64 | undefined, t: number): number {
  const n = u.rows;
  const k = u.cols;
  const v = spectralFunction(vectors, values, (l) => Math.exp(t * l));
  let r = u;
  let extra = 0;
  let m = n;
  if (x) {
    m = n - x.cols;
    const vinvX = denseSolve(v, x);
    const gram = multiply(x.transpose(), vinvX);
    const beta = denseSolve(gram, multiply(vinvX.transpose(), u));
    r = u.clone();
    const xb = multiply(x, beta);
    for (let q = 0; q < r.data.length; q++) r.data[q]! -= xb.data[q]!;
    extra = denseLogDet(gram) - denseLogDet(multiply(x.transpose(), x));
  }
  const vinvR = denseSolve(v, r);
  let quad = 0;
  for (let q = 0; q < r.data.length; q++) quad += r.data[q]! * vinvR.data[q]!;
  const sigma2 = quad / (m * k);
  return -0.5 * k * (m * Math.log(2 * Math.PI * sigma2) + m + denseLogDet(v) + extra);
}

function problem(n: number, k: number, p: number, seed: number, signal: number) {
  const normal = normalGenerator(seed);
  const vectors = randomOrthogonal(n, seed + 1);
  const values = Array.from({ length: n }, (_, i) => 2 / (1 + i) ** 1.5);
  // u = signal on the top directions + noise.
  const c = new Matrix64(n, k, Float64Array.from({ length: n * k }, (_, q) => normal() + (q < 3 * k ? signal : 0)));
  const u = multiply(vectors, c);
  const x = p > 0 ? new Matrix64(n, p, Float64Array.from({ length: n * p }, (_, q) => (q % p === 0 ? 1 : normal()))) : undefined;
  return { vectors, values, u, x };
}

describe('remlStoppingTime against the dense restricted likelihood', () => {
  for (const [k, p] of [[1, 0], [2, 0], [1, 1], [1, 3], [2, 2]] as const) {
    it(`k = ${k} outputs, p = ${p} fixed effects: profile values to 1e-8, t̂ at the dense maximum`, () => {
      const { vectors, values, u, x } = problem(14, k, p, 11 * k + p, 4);
      const fit = fitSpectral({ spectrum: { values, vectors }, y: u, design: x });
      // Times where the dense V = e^{tΘ} is well conditioned enough (cond ≤ e^{2t}) for a 1e-8 reference.
      const times = [0, 0.1, 0.5, 1, 3];
      const reml = remlStoppingTime(fit, { profileTimes: times });
      times.forEach((t, i) => {
        expect(Math.abs(reml.profile.logLikelihood[i]! - denseProfile(u, vectors, values, x, t))).toBeLessThan(1e-8);
      });
      expect(reml.outcome).toBe('interior');
      const dense = (s: number) => denseProfile(u, vectors, values, x, Math.exp(s));
      const best = Math.exp(goldenMaximum(dense, Math.log(reml.time) - 1, Math.log(reml.time) + 1));
      expect(Math.abs(reml.time / best - 1)).toBeLessThan(1e-5);
      // t̂ is a maximum of the dense likelihood to 1e-8: no better value nearby (golden section's own limit).
      expect(dense(Math.log(best)) - reml.logLikelihood).toBeLessThan(1e-9);
      expect(Math.abs(reml.logLikelihood - dense(Math.log(reml.time)))).toBeLessThan(1e-8);
    });
  }
});

describe('remlStoppingTime: shape and boundary outcomes (no X)', () => {
  it('the profile is concave without X', () => {
    const { vectors, values, u } = problem(20, 1, 0, 5, 3);
    const fit = fitSpectral({ spectrum: { values, vectors }, y: u });
    const times = Array.from({ length: 60 }, (_, i) => 0.05 * i);
    const ll = remlStoppingTime(fit, { profileTimes: times }).profile.logLikelihood;
    for (let i = 1; i + 1 < times.length; i++) expect(ll[i - 1]! - 2 * ll[i]! + ll[i + 1]!).toBeLessThanOrEqual(1e-9);
  });

  it("'zero' when n·uᵀΘu/uᵀu ≤ tr Θ (u on the low-λ directions)", () => {
    const n = 10;
    const values = Array.from({ length: n }, (_, i) => n - i);
    const c = Array.from({ length: n }, (_, i) => (i >= n - 3 ? 1 : 0.01));
    const fit = fitSpectral({ spectrum: { values, residualProjections: c } });
    const reml = remlStoppingTime(fit);
    expect(reml.outcome).toBe('zero');
    expect(reml.time).toBe(0);
    expect(reml.edf).toBe(0);
  });

  it("'infinite' when u has no weight below λ̄ (noise-free signal), never folded into 0", () => {
    const values = [5, 4, 1, 0.5, 0.1, 0];
    const c = [1, -2, 0, 0, 0, 0];
    const fit = fitSpectral({ spectrum: { values, residualProjections: c } });
    const reml = remlStoppingTime(fit);
    expect(reml.outcome).toBe('infinite');
    expect(reml.time).toBe(Infinity);
  });

  it('interior root: ℓ_p′(t̂) = 0, i.e. g(t̂) = λ̄ (the decorrelation identity)', () => {
    const values = [5, 4, 1, 0.5, 0.1, 0];
    const c = [3, -2, 0.5, 1, -1, 0.7];
    const fit = fitSpectral({ spectrum: { values, residualProjections: c } });
    const { time } = remlStoppingTime(fit);
    const w = c.map((x, i) => x * x * Math.exp(-time * values[i]!));
    const g = w.reduce((s, x, i) => s + x * values[i]!, 0) / w.reduce((s, x) => s + x, 0);
    expect(Math.abs(g - values.reduce((s, x) => s + x, 0) / values.length)).toBeLessThan(1e-12);
  });
});

describe('a residual that X fits to working precision as t grows', () => {
  it('is the infinite (noise-free) outcome, never a finite t̂ with σ̂² = 0', () => {
    // fast-check's counterexample: only direction 0 has λ > 0, and the design fits the other rows exactly.
    const fit = fitSpectral({
      spectrum: {
        values: [1e-6, 0, 0, 0, 0],
        residualProjections: [-1e-3, 0, 0, 0, -3.9696929100173695e-37],
        designProjections: [[1, 0], [1, 0], [1, 0], [1, 0], [1, -6.871192983939041e-10]],
      },
    });
    const reml = remlStoppingTime(fit);
    // u is signal in the one direction X leaves free: the likelihood rises without bound as t → ∞.
    expect(reml.outcome).toBe('infinite');
    expect(reml.time).toBe(Infinity);
  });
});
