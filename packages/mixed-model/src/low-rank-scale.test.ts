import { gemm, lowRankSpectrum, Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { looCurve } from './loo.js';
import { remlStoppingTime } from './reml.js';
import { scoreTest } from './score-test.js';
import { fitSpectral } from './spectral-fit.js';
import { normalGenerator } from './test-utils.js';

/*
 * The low-rank path (fit, score test with a design, REML, the LOO curve) never forms an n×n matrix. At n = 20,000
 * one float64 n×n matrix is 3.2 GB, so the process's peak resident memory would jump by that much if any step
 * wrote one; the whole path here needs a few tens of MB. (The bench suite `low-rank-scale` runs it at n = 100,000.)
 */
describe('the low-rank path at n = 20,000, r = 20', () => {
  it('fits, tests, finds the REML time and the LOO curve at 30 times without an n×n matrix', () => {
    const n = 20_000;
    const r = 20;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const next = normalGenerator(1);
    const f = new Matrix64(n, r, Float64Array.from({ length: n * r }, (_, q) => next() / ((1 + (q % r)) * Math.sqrt(n))));
    const signal = gemm(f, new Matrix64(r, 1, Float64Array.from({ length: r }, next)));
    const y = Float64Array.from(signal.data, (v) => 300 * v + next());
    const spectrum = lowRankSpectrum(f);
    expect(spectrum.rank).toBe(r);
    const intercept = new Matrix64(n, 1, new Float64Array(n).fill(1));
    const fit = fitSpectral({ lowRank: { values: spectrum.values, vectors: spectrum.vectors, remainder: 1e-6 }, y, design: intercept });

    const withDesign = scoreTest(fit);
    const plain = scoreTest(fit, { projectOut: 'nothing' });
    expect(withDesign.m).toBe(n - 1);
    expect(withDesign.p).toBeLessThan(1e-6); // a strong signal on 20 of 20,000 directions
    expect(plain.statistic).toBeGreaterThan(plain.nullMean);

    const reml = remlStoppingTime(fit);
    expect(reml.outcome).toBe('interior');
    expect(Number.isFinite(reml.logLikelihood)).toBe(true);

    const times = Array.from({ length: 30 }, (_, i) => (i === 0 ? 0 : reml.time * 10 ** ((i - 15) / 8)));
    const loo = looCurve(fit, times);
    expect(loo.values.length).toBe(30);
    expect(loo.values.every(Number.isFinite)).toBe(true);
    // Training on a strong signal first lowers the out-of-sample error estimate below its t = 0 value.
    expect(Math.min(...loo.values)).toBeLessThan(loo.values[0]!);

    // A quarter of one n×n float64 matrix: far above what the path needs, far below what a dense step would write.
    const growth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    expect(growth).toBeLessThan((n * n * 8) / 4);
  });
});
