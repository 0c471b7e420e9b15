import { performance } from 'node:perf_hooks';
import { gemm, lowRankSpectrum, Matrix64, normalGenerator } from '@duality/linalg-core';
import { fitSpectral, looCurve, remlStoppingTime, scoreTest } from '@duality/mixed-model';
import { formatSeconds, type BenchSuite, type Invariant } from '../harness.js';

/** Full run: a dense n×n float64 matrix would be 80 GB, so the path runs at all only if no step forms one. */
const FULL = { n: 100_000, rank: 50, times: 50 };
const QUICK = { n: 5_000, rank: 20, times: 20 };

/** Seconds `fn` took, and its result (each stage runs once: the point is that it finishes, and in what memory). */
function timed<T>(fn: () => T): { value: T; seconds: number } {
  const started = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/**
 * The mixed model's low-rank path (math.md §6) at scale: a rank-r factor's spectrum, the fit with an intercept,
 * the score test with and without the design, REML and the exact LOO curve, with each stage's time and the
 * process's peak memory against one n×n float64 matrix. The unit test (packages/mixed-model low-rank-scale.test.ts)
 * checks the same properties at n = 20,000.
 */
export const lowRankScaleSuite: BenchSuite = {
  name: 'low-rank-scale',
  description: 'the low-rank mixed-model path (fit, test with a design, REML, LOO curve) at n = 100,000, r = 50 without an n×n matrix',
  async run(ctx) {
    const { n, rank: r, times: count } = ctx.quick ? QUICK : FULL;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const next = normalGenerator(1);
    const f = new Matrix64(n, r, Float64Array.from({ length: n * r }, (_, q) => next() / ((1 + (q % r)) * Math.sqrt(n))));
    const signal = gemm(f, new Matrix64(r, 1, Float64Array.from({ length: r }, next)));
    const y = Float64Array.from(signal.data, (v) => 300 * v + next());
    const intercept = new Matrix64(n, 1, new Float64Array(n).fill(1));

    const spectrum = timed(() => lowRankSpectrum(f));
    const lowRank = { values: spectrum.value.values, vectors: spectrum.value.vectors, remainder: 1e-6 };
    const fit = timed(() => fitSpectral({ lowRank, y, design: intercept }));
    const withDesign = timed(() => scoreTest(fit.value));
    const plain = scoreTest(fit.value, { projectOut: 'nothing' });
    const reml = timed(() => remlStoppingTime(fit.value));
    const times = Array.from({ length: count }, (_, i) => (i === 0 ? 0 : reml.value.time * 10 ** ((i - count / 2) / 10)));
    const loo = timed(() => looCurve(fit.value, times));
    const growth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    const dense = n * n * 8;
    ctx.log(`n = ${n}, r = ${r}: log p = ${withDesign.value.logP.toPrecision(4)}, REML t̂ = ${reml.value.time.toPrecision(4)}, peak memory +${(growth / 1e6).toFixed(0)} MB`);

    const values = loo.value.values;
    const invariants: Invariant[] = [
      { name: `the factor has rank ${r}`, ok: spectrum.value.rank === r, detail: `rank ${spectrum.value.rank}` },
      { name: 'the test with an intercept has m = n − 1', ok: withDesign.value.m === n - 1, detail: `m = ${withDesign.value.m}` },
      { name: `a strong signal on ${r} directions rejects (p < 1e-6)`, ok: withDesign.value.logP < Math.log(1e-6), detail: `log p = ${withDesign.value.logP.toPrecision(4)}` },
      { name: 'S exceeds its null mean without the design', ok: plain.statistic > plain.nullMean, detail: `S = ${plain.statistic}, E S = ${plain.nullMean}` },
      { name: 'REML stops inside (0, ∞) with a finite likelihood', ok: reml.value.outcome === 'interior' && Number.isFinite(reml.value.logLikelihood), detail: reml.value.outcome },
      { name: 'the LOO curve is finite and dips below its t = 0 value', ok: values.every(Number.isFinite) && Math.min(...values) < values[0]!, detail: `LOO(0) = ${values[0]}, min ${Math.min(...values)}` },
      { name: 'peak memory grew by less than a quarter of one n×n float64 matrix', ok: growth < dense / 4, detail: `+${(growth / 1e6).toFixed(0)} MB against ${(dense / 1e9).toFixed(2)} GB` },
    ];
    return {
      tables: [{
        title: `The low-rank path at n = ${n}, r = ${r} (one run per stage)`,
        columns: ['stage', 'time'],
        rows: [
          ['lowRankSpectrum (thin QR + r×r eigen)', formatSeconds(spectrum.seconds)],
          ['fitSpectral (low rank, intercept)', formatSeconds(fit.seconds)],
          ['scoreTest with the design', formatSeconds(withDesign.seconds)],
          ['remlStoppingTime', formatSeconds(reml.seconds)],
          [`looCurve at ${count} times`, formatSeconds(loo.seconds)],
        ],
        notes: [`Peak resident memory grew by ${(growth / 1e6).toFixed(0)} MB; one dense n×n float64 matrix is ${(dense / 1e9).toFixed(2)} GB.`],
      }],
      invariants,
      data: { n, r, seconds: { spectrum: spectrum.seconds, fit: fit.seconds, test: withDesign.seconds, reml: reml.seconds, loo: loo.seconds }, growth, logP: withDesign.value.logP },
    };
  },
};
