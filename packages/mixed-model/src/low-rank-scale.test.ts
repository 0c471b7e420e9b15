import { gemm, lowRankSpectrum, Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { looCurve } from './loo.js';
import { remlStoppingTime } from './reml.js';
import { scoreTest } from './score-test.js';
import { fitSpectral } from './spectral-fit.js';
import { normalGenerator } from './test-utils.js';

/*
 * n = 100,000 from a rank-50 factor: a dense n×n float64 matrix would be 80 GB, so this runs at all only if no step
 * of the low-rank path (fit, score test with a design, REML, the LOO curve) allocates one.
 */
describe('the low-rank path at n = 100,000, r = 50', () => {
  it('fits, tests, finds the REML time and the LOO curve at 50 times without an n×n matrix', { timeout: 180_000 }, () => {
    const n = 100_000;
    const r = 50;
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
    expect(withDesign.p).toBeLessThan(1e-6); // a strong signal on 50 of 10⁵ directions
    expect(plain.statistic).toBeGreaterThan(plain.nullMean);

    const reml = remlStoppingTime(fit);
    expect(reml.outcome).toBe('interior');
    expect(Number.isFinite(reml.logLikelihood)).toBe(true);

    const times = Array.from({ length: 50 }, (_, i) => (i === 0 ? 0 : reml.time * 10 ** ((i - 25) / 10)));
    const loo = looCurve(fit, times);
    expect(loo.values.length).toBe(50);
    expect(loo.values.every(Number.isFinite)).toBe(true);
    // Training on a strong signal first lowers the out-of-sample error estimate below its t = 0 value.
    expect(Math.min(...loo.values)).toBeLessThan(loo.values[0]!);
  });
});
