import { eigSym, Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { scoreTest } from './score-test.js';
import { fitSpectral } from './spectral-fit.js';
import { multiply, normalGenerator, randomOrthogonal, reluNtk } from './test-utils.js';
import { twoStageDecision } from './two-stage.js';

/** 99% binomial interval for a rejection rate at level α over `replicates`. */
function binomialInterval(alpha: number, replicates: number): [number, number] {
  const half = 2.576 * Math.sqrt((alpha * (1 - alpha)) / replicates);
  return [alpha - half, alpha + half];
}

describe('scoreTest: calibration under the null on a ReLU NTK (n = 200)', () => {
  it('the exact p-value rejects at rate α (inside the 99% binomial interval) at α = 0.05 and 0.01', () => {
    const n = 200;
    const values = Float64Array.from(eigSym(reluNtk(n, 5, 1), { vectors: 'none' }).values);
    const normal = normalGenerator(2);
    const replicates = 3000;
    const alphas = [0.05, 0.01];
    const rejections = [0, 0];
    // Under H0 u is white noise, so c = Uᵀu is too: one eigendecomposition serves every replicate.
    for (let r = 0; r < replicates; r++) {
      const c = Float64Array.from({ length: n }, normal);
      const test = scoreTest(fitSpectral({ spectrum: { values, residualProjections: c } }));
      expect(test.p).toBeGreaterThanOrEqual(0);
      expect(test.p).toBeLessThanOrEqual(1);
      alphas.forEach((alpha, i) => (rejections[i]! += test.p < alpha ? 1 : 0));
    }
    alphas.forEach((alpha, i) => {
      const [lo, hi] = binomialInterval(alpha, replicates);
      expect(rejections[i]! / replicates).toBeGreaterThanOrEqual(lo);
      expect(rejections[i]! / replicates).toBeLessThanOrEqual(hi);
    });
  });
});

describe('scoreTest: definitions', () => {
  const n = 10;
  const vectors = randomOrthogonal(n, 6);
  const values = Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 2);
  const normal = normalGenerator(5);
  const y = Float64Array.from({ length: n }, normal);

  it('without X: S = n·uᵀΘu/uᵀu, E S = tr Θ, Var S = 2(n tr Θ² − (tr Θ)²)/(n + 2)', () => {
    const test = scoreTest(fitSpectral({ spectrum: { values, vectors }, y }));
    const c = multiply(vectors.transpose(), Matrix64.column(y)).data;
    const quad = c.reduce((s, v, i) => s + values[i]! * v * v, 0);
    const norm = c.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(test.statistic - (n * quad) / norm)).toBeLessThan(1e-12);
    expect(test.method).toBe('inversion');
    // E S and Var S by Monte Carlo of S = n·Σλ_j z_j²/Σz_j² under the null, z ~ N(0, I), within 4 standard errors.
    const draws = 40000;
    const samples = Float64Array.from({ length: draws }, () => {
      let q = 0;
      let r = 0;
      for (const v of values) {
        const z = normal();
        q += v * z * z;
        r += z * z;
      }
      return (n * q) / r;
    });
    const mean = samples.reduce((s, v) => s + v, 0) / draws;
    const centred = samples.map((v) => (v - mean) ** 2);
    const variance = centred.reduce((s, v) => s + v, 0) / (draws - 1);
    const fourth = centred.reduce((s, v) => s + v * v, 0) / draws;
    expect(Math.abs(test.nullMean - mean)).toBeLessThan(4 * Math.sqrt(variance / draws));
    expect(Math.abs(test.nullVariance - variance)).toBeLessThan(4 * Math.sqrt((fourth - variance ** 2) / draws));
  });

  it('gives the null variance without cancellation on a nearly constant spectrum', () => {
    // μ_j = 1 + 1e-9·(j − 4.5): Var S = 2n·Σ(μ_j − μ̄)²/(n + 2) = 2·10·82.5e-18/12 = 1.375e-16 exactly (to
    // rounding of the μ_j); n·tr M² − (tr M)² loses every digit here.
    const flat = Array.from({ length: n }, (_, j) => 1 + 1e-9 * (j - 4.5));
    const test = scoreTest(fitSpectral({ spectrum: { values: flat, vectors }, y }));
    expect(Math.abs(test.nullVariance - 1.375e-16) / 1.375e-16).toBeLessThan(1e-6);
  });

  it('with X: the null weights are the eigenvalues of QᵀΘQ for an explicit orthonormal complement Q', () => {
    const x = new Matrix64(n, 2, Float64Array.from({ length: 2 * n }, (_, q) => (q % 2 === 0 ? 1 : normal())));
    const test = scoreTest(fitSpectral({ spectrum: { values, vectors }, y, design: x }));
    // Q: Gram–Schmidt of [X | I], keep the last n − 2 directions.
    const basis: Float64Array[] = [];
    const columns = [...[0, 1].map((j) => x.column(j)), ...Array.from({ length: n }, (_, j) => Float64Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)))];
    for (const col of columns) {
      const v = col.slice();
      for (let pass = 0; pass < 2; pass++) for (const b of basis) {
        const dot = b.reduce((s, bi, i) => s + bi * v[i]!, 0);
        b.forEach((bi, i) => (v[i]! -= dot * bi));
      }
      const norm = Math.hypot(...v);
      if (norm > 1e-8) basis.push(v.map((vi) => vi / norm));
    }
    const q = new Matrix64(n, n - 2);
    basis.slice(2).forEach((b, j) => b.forEach((bi, i) => q.set(i, j, bi)));
    const theta = multiply(multiply(vectors, new Matrix64(n, n, Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? values[k / (n + 1)]! : 0)))), vectors.transpose());
    const m = multiply(q.transpose(), multiply(theta, q));
    const mu = eigSym(m, { vectors: 'none' }).values;
    Array.from(mu).forEach((v, i) => expect(Math.abs(v - test.nullEigenvalues[i]!)).toBeLessThan(1e-12));
    const w = multiply(q.transpose(), Matrix64.column(y)).data;
    const quad = multiply(Matrix64.column(w).transpose(), multiply(m, Matrix64.column(w))).data[0]!;
    expect(Math.abs(test.statistic - ((n - 2) * quad) / w.reduce((s, v) => s + v * v, 0))).toBeLessThan(1e-12);
    expect(test.m).toBe(n - 2);
  });

  it('with X and f0: each projection keeps its own null eigenvalues across calls (cached per fit and design)', () => {
    const x = new Matrix64(n, 2, Float64Array.from({ length: 2 * n }, (_, q) => (q % 2 === 0 ? 1 : normal())));
    const f0 = Float64Array.from({ length: n }, () => 0.5 * normal());
    const fit = fitSpectral({ spectrum: { values, vectors }, y, f0, design: x });
    const first = scoreTest(fit, { projectOut: 'design' });
    const byF0 = scoreTest(fit, { projectOut: 'f0' });
    expect(byF0.m).toBe(n - 1);
    expect(first.m).toBe(n - 2);
    first.nullEigenvalues.fill(-1); // a caller writing to its result must not reach the cache
    const again = scoreTest(fit, { projectOut: 'design' });
    const fresh = scoreTest(fitSpectral({ spectrum: { values, vectors }, y, f0, design: x }), { projectOut: 'design' });
    expect(Array.from(again.nullEigenvalues)).toEqual(Array.from(fresh.nullEigenvalues));
    expect(again.p).toBe(fresh.p);
  });

  it('published convention: X = f0 in the test, Satterthwaite decides, REML without X', () => {
    const f0 = Float64Array.from({ length: n }, () => 0.5 * normal());
    const fit = fitSpectral({ spectrum: { values, vectors }, y, f0 });
    const decision = twoStageDecision(fit, { convention: 'published', alpha: 0.5 });
    expect(decision.test.projectedColumns).toBe(1);
    expect(decision.decidingP).toBe(decision.test.satterthwaiteP);
    expect(decision.reml.usedDesign).toBe(false);
    expect(decision.train).toBe(decision.test.satterthwaiteP < 0.5);
  });
});
