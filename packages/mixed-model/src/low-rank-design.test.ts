import { gemm, lowRankSpectrum, Matrix64, syrk } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { designGls } from './design-gls.js';
import { evaluateLoo, looCurve, looResiduals } from './loo.js';
import { looTime } from './loo-time.js';
import { usesLowRankDesign } from './low-rank-design.js';
import { looSearch } from './low-rank-loo.js';
import { pathAt, predictAt } from './path.js';
import { remlStoppingTime } from './reml.js';
import { fitSpectral, type SpectralFit } from './spectral-fit.js';
import { normalGenerator } from './test-utils.js';
import { logDecayFactors, type TrainingTime } from './training-time.js';
import { weightedProjection } from './weighted-projection.js';

/*
 * A wide design (p = 30 > r = 12) on a low-rank fit takes the r-dimensional form (low-rank-design.ts,
 * low-rank-loo.ts). Every statistic must equal the coordinate form's on the same fit and the dense fit's of the
 * same kernel F Fᵀ + ρ(I − U_rU_rᵀ), to 1e-9 relative (float64; the dense path's zero eigenvalues come out of eigSym
 * at rounding level, ~1e-12 relative).
 */
const RELATIVE = 1e-9;
const n = 300;
const p = 30;

function gaussian(rows: number, cols: number, next: () => number): Matrix64 {
  return new Matrix64(rows, cols, Float64Array.from({ length: rows * cols }, next));
}

/** F with decaying columns, X = [1, 29 gaussian features], y = F a + X b + noise; the dense and low-rank fits. */
function fits(remainderShare: number, seed: number, nearlyDependent = 0): { dense: SpectralFit; low: SpectralFit; cross: Matrix64; designNew: Matrix64 } {
  const next = normalGenerator(seed);
  const r = 12;
  const f = gaussian(n, r, next);
  const fNew = gaussian(20, r, next);
  for (const m of [f, fNew]) for (let i = 0; i < m.rows; i++) for (let j = 0; j < r; j++) m.data[i * r + j]! *= 2 / ((j + 1) * Math.sqrt(n));
  const withIntercept = (rows: number) => {
    const x = gaussian(rows, p, next);
    for (let i = 0; i < rows; i++) x.data[i * p] = 1;
    // Column 2 within `nearlyDependent` of column 1: R_Z's pivot ratio about that small.
    if (nearlyDependent > 0) for (let i = 0; i < rows; i++) x.data[i * p + 2] = x.data[i * p + 1]! + nearlyDependent * x.data[i * p + 2]!;
    return x;
  };
  const design = withIntercept(n);
  const designNew = withIntercept(20);
  const signal = gemm(f, gaussian(r, 1, next));
  const linear = gemm(design, gaussian(p, 1, next));
  const y = Float64Array.from({ length: n }, (_, i) => Math.sqrt(n) * signal.data[i]! + 0.3 * linear.data[i]! + 0.5 * next());
  const spectrum = lowRankSpectrum(f);
  const remainder = remainderShare * spectrum.values[r - 1]!;
  const kernel = syrk(f);
  const projector = gemm(spectrum.vectors, spectrum.vectors, { transB: true });
  for (let q = 0; q < kernel.data.length; q++) kernel.data[q]! -= remainder * projector.data[q]!;
  for (let i = 0; i < n; i++) kernel.data[i * n + i]! += remainder;
  const cross = gemm(fNew, f, { transB: true });
  return {
    dense: fitSpectral({ kernel, y, design, crossKernel: cross }),
    low: fitSpectral({ lowRank: { values: spectrum.values, vectors: spectrum.vectors, remainder }, y, design, crossKernel: cross }),
    cross,
    designNew,
  };
}

function expectRelative(actual: number, reference: number, tolerance = RELATIVE): void {
  expect(Math.abs(actual - reference)).toBeLessThanOrEqual(tolerance * Math.abs(reference));
}

function expectClose(actual: ArrayLike<number>, reference: ArrayLike<number>, tolerance = RELATIVE): void {
  expect(actual.length).toBe(reference.length);
  let scale = 0;
  let worst = 0;
  for (let q = 0; q < reference.length; q++) {
    scale = Math.max(scale, Math.abs(reference[q]!));
    worst = Math.max(worst, Math.abs(actual[q]! - reference[q]!));
  }
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

describe.each([
  ['no remainder', 0],
  ['a remainder ρ = λ_r/2', 0.5],
])('a wide design on a low-rank fit (n = 300, r = 12, p = 30) with %s', (_name, share) => {
  const { dense, low, designNew } = fits(share, 11);
  const z = low.designProjections!;
  const eta = 0.5 / dense.eigenvalues[0]!;
  const times: TrainingTime[] = [0, 0.05, 0.5, 3, 20, ...[2, 30, 400].map((steps) => ({ learningRate: eta, steps }))];

  it('takes the r-dimensional form, which the dense fit does not', () => {
    expect(usesLowRankDesign(low, z)).toBe(true);
    expect(usesLowRankDesign(dense, dense.designProjections)).toBe(false);
  });

  it('the GLS at each time equals the coordinate form on the same fit: β̂, e, the weighted RSS, log|ZᵀDZ|, leverage sums', () => {
    for (const time of times) {
      const logDecay = logDecayFactors(low.eigenvalues, time);
      const [a, b] = [designGls(low, z, logDecay), weightedProjection(z, low.residualProjections, logDecay)];
      expectClose(a.beta, b.beta);
      expectClose(a.residual, b.residual);
      expectRelative(a.logWeightedRss, b.logWeightedRss);
      expectRelative(a.logDetGram, b.logDetGram);
      // The leverages past r are basis-dependent; every weighted sum the statistics take is not.
      const sum = (h: Float64Array, weight: (i: number) => number) => h.reduce((s, v, i) => s + weight(i) * v, 0);
      for (const weight of [(i: number) => low.eigenvalues[i]!, (i: number) => -Math.expm1(logDecay[i]!), () => 1]) {
        expectRelative(sum(a.leverages, weight), sum(b.leverages, weight));
      }
      expectClose(a.leverages.subarray(0, 12), b.leverages.subarray(0, 12));
    }
  });

  it('REML: t̂ and its likelihood equal the dense fit’s', () => {
    const profileTimes = [1e-2, 0.3, 3, 30];
    const [a, b] = [remlStoppingTime(low, { profileTimes }), remlStoppingTime(dense, { profileTimes })];
    expect(a.outcome).toBe(b.outcome);
    expectRelative(a.time, b.time, 1e-5);
    expectRelative(a.logLikelihood, b.logLikelihood);
    expectClose(a.profile.logLikelihood, b.profile.logLikelihood);
  });

  it('the path: β̂, edf, GCV, σ̂², the spectral losses, the in-sample fit and predictions at new points', () => {
    for (const time of times) {
      const [a, b] = [pathAt(low, time), pathAt(dense, time)];
      for (const key of ['edf', 'gcv', 'noiseVariance'] as const) expectRelative(a[key], b[key]);
      expectClose(a.fixedEffects!.data, b.fixedEffects!.data);
      expectClose(a.spectralLosses.subarray(0, 12), b.spectralLosses.subarray(0, 12));
      expectClose(a.fitted!.data, b.fitted!.data);
      expectClose(predictAt(low, time, { designNew }).data, predictAt(dense, time, { designNew }).data);
    }
  });

  it('exact leave-one-out: residuals, the curve and the LOO time (β re-estimated without each point)', () => {
    expectClose(looCurve(low, times).values, looCurve(dense, times).values);
    expectClose(looResiduals(low, 3).data, looResiduals(dense, 3).data);
    const [a, b] = [looTime(low, { learningRate: eta }), looTime(dense, { learningRate: eta })];
    expect(a.steps).toBe(b.steps);
    expectRelative(a.value, b.value);
  });

  it('the search skips times only where an exact lower bound clears the smallest value (P_ii falls with t)', () => {
    const steps = Array.from({ length: 60 }, (_, i) => ({ learningRate: eta, steps: i + Math.round(1.15 ** i) }));
    const search = looSearch();
    const pruned = evaluateLoo(low, steps, true, false, search);
    const exact = evaluateLoo(low, steps, true);
    const values = exact.map((point) => ('value' in point ? point.value : Number.NaN));
    const smallest = Math.min(...values);
    let skipped = 0;
    pruned.forEach((point, i) => {
      if ('atLeast' in point) {
        skipped++;
        expect(point.atLeast).toBeLessThanOrEqual(values[i]! * (1 + 1e-12));
        expect(point.atLeast).toBeGreaterThan(smallest);
      } else expect(point).toEqual(exact[i]);
    });
    expect(skipped).toBeGreaterThan(10);
    expect(search.known.size).toBe(60 - skipped);
    expect(search.smallest).toBe(smallest);
    // A later call of the same search (a refinement probe) is bounded by the times known on either side of it.
    const best = values.indexOf(smallest);
    const far = { learningRate: eta, steps: 4 }; // between the grid's 3 and 5 steps, far from the minimum
    const near = { learningRate: eta, steps: steps[best]!.steps + 1 };
    const [farPoint, nearPoint] = [evaluateLoo(low, [far], true, false, search)[0]!, evaluateLoo(low, [near], true, false, search)[0]!];
    const [farExact, nearExact] = evaluateLoo(low, [far, near], true);
    expect(farPoint).toHaveProperty('atLeast');
    expect((farPoint as { atLeast: number }).atLeast).toBeLessThanOrEqual((farExact as { value: number }).value * (1 + 1e-12));
    expect(nearPoint).toEqual(nearExact);
  });
});

describe('a nearly collinear design (two columns within 1e-9 of each other, next to the 1e-10 where the fit drops one)', () => {
  it('gives leave-one-out from X R_Z⁻¹ as the dense fit does', () => {
    const { dense, low } = fits(0, 17, 1e-9);
    expect(usesLowRankDesign(low, low.designProjections)).toBe(true);
    const times = [0.1, 1, 10];
    // Either fit's projection past this X keeps about 1e-16/1e-9 relative: agreement to 1e-6.
    expectClose(looCurve(low, times).values, looCurve(dense, times).values, 1e-6);
    const eta = 0.5 / dense.eigenvalues[0]!;
    expect(looTime(low, { learningRate: eta }).steps).toBe(looTime(dense, { learningRate: eta }).steps);
  });
});

describe('design columns almost inside span U_r (orthogonalised twice below 1% outside it, once above)', () => {
  it('keeps the complement basis orthogonal to U_r, and gives the dense fit’s REML likelihood and leave-one-out', () => {
    const next = normalGenerator(5);
    const r = 8;
    const f = gaussian(120, r, next);
    for (let i = 0; i < 120; i++) for (let j = 0; j < r; j++) f.data[i * r + j]! /= (j + 1) * Math.sqrt(120);
    const spectrum = lowRankSpectrum(f);
    // An intercept; U_r's second column plus noise 1e-11 of it (one pass would leave 1e-5 of ε-level error); U_r's
    // fourth column plus 0.015 of noise per entry (about 15% of the column outside U_r: one pass).
    const design = new Matrix64(120, 3);
    for (let i = 0; i < 120; i++) {
      design.data[i * 3] = 1;
      design.data[i * 3 + 1] = spectrum.vectors.data[i * r + 1]! + 1e-11 * next();
      design.data[i * 3 + 2] = spectrum.vectors.data[i * r + 3]! + 0.015 * next();
    }
    const y = Float64Array.from({ length: 120 }, (_, i) => 3 * spectrum.vectors.data[i * r]! * Math.sqrt(120) + next());
    const low = fitSpectral({ lowRank: { values: spectrum.values, vectors: spectrum.vectors }, y, design });
    const dense = fitSpectral({ kernel: syrk(f), y, design });
    const { vectors, complement } = low.lowRankBasis!;
    const q = complement.multiplyQ(Matrix64.identity(complement.cols));
    const overlap = gemm(vectors, q, { transA: true }).data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(overlap).toBeLessThan(1e-13);
    const times = [0.1, 1, 10];
    expectClose(remlStoppingTime(low, { profileTimes: times }).profile.logLikelihood, remlStoppingTime(dense, { profileTimes: times }).profile.logLikelihood, 1e-8);
    expectClose(looCurve(low, times).values, looCurve(dense, times).values, 1e-8);
  });
});

describe("dependentDesignColumns 'drop': columns the earlier ones span are left out on the fit's own QR", () => {
  it('keeps the others and gives the statistics of the fit without them (dense and low-rank)', () => {
    const { low } = fits(0, 13);
    const lowRank = { values: low.eigenvalues.subarray(0, 12), vectors: low.lowRankBasis!.vectors };
    const factor = lowRank.vectors.clone();
    for (let i = 0; i < n; i++) for (let j = 0; j < 12; j++) factor.data[i * 12 + j]! *= Math.sqrt(lowRank.values[j]!);
    const next = normalGenerator(17);
    // Columns: 1, a, b, a + 2b (spanned by the ones before it), c, a again (spanned).
    const withDependent = new Matrix64(n, 6);
    for (let i = 0; i < n; i++) {
      const [a, b, c] = [next(), next(), next()];
      withDependent.data.set([1, a, b, a + 2 * b, c, a], i * 6);
    }
    const reduced = new Matrix64(n, 4);
    for (let i = 0; i < n; i++) reduced.data.set([0, 1, 2, 4].map((j) => withDependent.data[i * 6 + j]!), i * 4);
    const y = low.y!;
    for (const source of [{ lowRank }, { kernel: syrk(factor) }]) {
      const dropped = fitSpectral({ ...source, y, design: withDependent, dependentDesignColumns: 'drop' });
      const plain = fitSpectral({ ...source, y, design: reduced });
      expect(Array.from(dropped.designColumns!)).toEqual([0, 1, 2, 4]);
      const profile = (fit: SpectralFit) => remlStoppingTime(fit, { profileTimes: [0.3, 3] }).profile.logLikelihood;
      expectClose(profile(dropped), profile(plain));
      expect(() => fitSpectral({ ...source, y, design: withDependent })).toThrow(/rank-deficient: column 3/);
    }
  });
});
