import { eigSym, gemm, Matrix64, normalGenerator } from '@duality/linalg-core';
import {
  chiSquareMixtureTail,
  fitSpectral,
  looCurve,
  looTime,
  scoreTest,
  twoStageDecision,
  type SpectralFit,
} from '@duality/mixed-model';
import { analyticKernels, toTrainingScale, type MlpSpec } from '@duality/ntk';
import { formatSeconds, timeIt, type BenchContext, type BenchSuite, type BenchTable, type Invariant } from '../harness.js';

/** A synthetic NTK-like spectrum (power-law decay, trace 1) and c = signal on the top directions + noise. */
function syntheticFit(n: number, seed: number): SpectralFit {
  const normal = normalGenerator(seed);
  const raw = Float64Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 1.5);
  const total = raw.reduce((s, v) => s + v, 0);
  const values = raw.map((v) => v / total);
  const c = Float64Array.from({ length: n }, (_, i) => normal() + (i < 20 ? 8 : 0));
  return fitSpectral({ spectrum: { values, residualProjections: c } });
}

/**
 * A fit with eigenvectors at a size where eigSym would dominate the run: U the orthonormal DCT-II basis (the LOO cost
 * does not depend on which orthonormal U), the power-law spectrum above, y = U·c with c = signal + noise.
 */
function syntheticFitWithVectors(n: number, seed: number): SpectralFit {
  const normal = normalGenerator(seed);
  const vectors = new Matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) vectors.data[i * n + j] = Math.sqrt((j === 0 ? 1 : 2) / n) * Math.cos((Math.PI * (i + 0.5) * j) / n);
  }
  const raw = Float64Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 1.5);
  const total = raw.reduce((s, v) => s + v, 0);
  const values = raw.map((v) => v / total);
  const c = new Matrix64(n, 1, Float64Array.from({ length: n }, (_, i) => normal() + (i < 20 ? 8 : 0)));
  return fitSpectral({ spectrum: { values, vectors }, y: gemm(vectors, c) });
}

/** Eigenvalues of the one-hidden-layer ReLU NTK (Θ = raw/n) on Gaussian-like inputs. */
function reluNtkSpectrum(n: number, inputDim: number, seed: number): Float64Array {
  const normal = normalGenerator(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: inputDim }, normal));
  const spec: MlpSpec = {
    inputDim,
    hiddenWidths: [512],
    activation: { name: 'relu' },
    weightStd: 1,
    biasStd: 0,
    parameterisation: 'ntk',
    outputDim: 1,
  };
  const theta = toTrainingScale(analyticKernels(spec, x).train.ntk).matrix;
  return Float64Array.from(eigSym(theta, { vectors: 'none' }).values);
}

/** 99% binomial interval for a rejection rate at level α. */
function binomialInterval(alpha: number, replicates: number): [number, number] {
  const half = 2.576 * Math.sqrt((alpha * (1 - alpha)) / replicates);
  return [Math.max(0, alpha - half), alpha + half];
}

/** Timing for a measurement quick mode only has to run, not hold steady. */
const QUICK_TIMING = { minRuns: 1, maxRuns: 2, minSeconds: 0, warmup: false };

/** One part of the suite: its table, the invariants it checks, its raw measurements. */
interface Section {
  table: BenchTable;
  invariants: Invariant[];
  data: Record<string, unknown>;
}

/** Run `fn` once: its value and the wall-clock seconds it took. */
function timedOnce<T>(fn: () => T): { value: T; seconds: number } {
  const start = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/** The two-stage decision at one n: the first call (JIT compilation included), the steady state, the test alone. */
function measureDecision(ctx: BenchContext, n: number) {
  // The decision's target is its steady-state cost: warm up, best of 3 even in quick mode; the first call (JIT
  // compilation included) is reported beside it.
  const decisionTiming = ctx.quick ? { minRuns: 3, maxRuns: 3, minSeconds: 0 } : { minRuns: 3, minSeconds: 1 };
  const fit = syntheticFit(n, n);
  // REML decides here: the synthetic spectrum has no eigenvectors, which leave-one-out (the default rule) needs.
  const { value: decision, seconds: firstCall } = timedOnce(() => twoStageDecision(fit, { rule: 'reml' }));
  const timing = timeIt(() => twoStageDecision(fit, { rule: 'reml' }), decisionTiming);
  const testOnly = timeIt(() => scoreTest(fit), ctx.quick ? QUICK_TIMING : { minRuns: 3, minSeconds: 0.5 });
  ctx.log(`n = ${n}: two-stage ${formatSeconds(timing.min)} best (test ${formatSeconds(testOnly.median)})`);
  return { decision, firstCall, timing, testOnly };
}

/** 1. The whole two-stage decision at n = 10,000 without X (synthetic spectrum: no eigSym at that size). */
function decisionSection(ctx: BenchContext): Section {
  const sizes = ctx.quick ? [10000] : [1000, 10000, 30000];
  const rows: (string | number)[][] = [];
  const invariants: Invariant[] = [];
  const data: Record<string, unknown> = {};
  for (const n of sizes) {
    const { decision, firstCall, timing, testOnly } = measureDecision(ctx, n);
    rows.push([
      n,
      formatSeconds(timing.min),
      formatSeconds(timing.median),
      formatSeconds(firstCall),
      formatSeconds(testOnly.median),
      decision.test.p.toExponential(3),
      decision.test.method,
      decision.test.relativeErrorEstimate.toExponential(1),
      decision.reml.outcome,
      decision.reml.time.toPrecision(4),
    ]);
    data[`decision_n${n}`] = { seconds: timing.median, bestSeconds: timing.min, firstCallSeconds: firstCall, testSeconds: testOnly.median, p: decision.test.p, logP: decision.test.logP, time: decision.reml.time };
    invariants.push({
      name: `two-stage decision at n = ${n} is finite`,
      ok: Number.isFinite(decision.test.logP) && !Number.isNaN(decision.reml.time) && decision.reml.noiseVariance > 0,
      detail: `log p = ${decision.test.logP.toPrecision(4)}, t̂ = ${decision.reml.time}`,
    });
  }
  const table = {
    title: 'Two-stage decision after the eigendecomposition (no X, synthetic power-law spectrum)',
    columns: ['n', 'test + REML (best)', 'median', 'first call', 'test only', 'p', 'method', 'p rel. error est.', 'REML outcome', 't̂'],
    rows,
    notes: ['Timings on a shared machine; target: < 50 ms at n = 10,000 (steady state).', 'First call: the same work with JIT compilation included (once per process).'],
  };
  return { table, invariants, data };
}

/** 2. p-value cost per call in the bulk and the deep tail (weights μ − S/m of a power-law spectrum). */
function pValueSection(ctx: BenchContext): Section {
  const rows: (string | number)[][] = [];
  const invariants: Invariant[] = [];
  for (const n of [200, 10000]) {
    const mu = Float64Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 1.5);
    const mean = mu.reduce((s, v) => s + v, 0) / n;
    for (const [where, shift] of [
      ['bulk', mean * 1.05],
      ['tail', mu[0]! * 0.6],
      ['deep tail', mu[0]! * 0.97],
    ] as const) {
      const weights = mu.map((v) => v - shift);
      const r = chiSquareMixtureTail(weights);
      const timing = timeIt(() => chiSquareMixtureTail(weights), ctx.quick ? QUICK_TIMING : { minRuns: 5, minSeconds: 0.5 });
      rows.push([n, where, r.p === 0 ? `e^${r.logP.toFixed(1)}` : r.p.toExponential(3), r.method, r.relativeErrorEstimate.toExponential(1), formatSeconds(timing.median)]);
      invariants.push({
        name: `p-value finite (n = ${n}, ${where})`,
        ok: Number.isFinite(r.logP) && r.p >= 0 && r.p <= 1,
        detail: `log p = ${r.logP.toPrecision(6)}, ${r.method}`,
      });
    }
  }
  const table = { title: 'Exact p-value P(Σ (μ_j − s/m) χ²₁ ≥ 0): cost per call', columns: ['weights', 'where', 'p', 'method', 'rel. error est.', 'time per call'], rows };
  return { table, invariants, data: {} };
}

/** Rejections at each α of the exact test and of Satterthwaite over `replicates` null draws (only c changes under H0). */
function countNullRejections(values: Float64Array, replicates: number, alphas: number[]) {
  const normal = normalGenerator(11);
  const exact = alphas.map(() => 0);
  const satterthwaite = alphas.map(() => 0);
  let nanCount = 0;
  for (let r = 0; r < replicates; r++) {
    const c = Float64Array.from({ length: values.length }, normal);
    const test = scoreTest(fitSpectral({ spectrum: { values, residualProjections: c } }));
    if (Number.isNaN(test.p) || Number.isNaN(test.satterthwaiteP)) nanCount++;
    alphas.forEach((alpha, i) => {
      exact[i]! += test.p < alpha ? 1 : 0;
      satterthwaite[i]! += test.satterthwaiteP < alpha ? 1 : 0;
    });
  }
  return { exact, satterthwaite, nanCount };
}

/** 3. Null calibration: exact vs Satterthwaite on a ReLU NTK. */
function nullCalibrationSection(ctx: BenchContext): Section {
  const n = ctx.quick ? 200 : 480;
  const replicates = ctx.quick ? 1000 : 20000;
  const alphas = [0.05, 0.01, 0.001];
  const { exact, satterthwaite, nanCount } = countNullRejections(reluNtkSpectrum(n, 8, 7), replicates, alphas);
  const invariants: Invariant[] = [];
  const rows = alphas.map((alpha, i) => {
    const [lo, hi] = binomialInterval(alpha, replicates);
    const rate = exact[i]! / replicates;
    invariants.push({
      name: `exact size at α = ${alpha} inside its 99% interval`,
      ok: rate >= lo && rate <= hi,
      detail: `${rate.toFixed(4)} in [${lo.toFixed(4)}, ${hi.toFixed(4)}] over ${replicates} replicates`,
    });
    return [alpha, rate.toFixed(4), (satterthwaite[i]! / replicates).toFixed(4), `[${lo.toFixed(4)}, ${hi.toFixed(4)}]`];
  });
  invariants.push({ name: 'no NaN p-value under the null', ok: nanCount === 0, detail: `${nanCount} NaN of ${replicates}` });
  const table = {
    title: `Null calibration: one-hidden-layer ReLU NTK, n = ${n}, ${replicates} replicates`,
    columns: ['α', 'exact size', 'Satterthwaite size', '99% interval'],
    rows,
  };
  return { table, invariants, data: { calibration: { n, replicates, alphas, exact, satterthwaite } } };
}

/**
 * The LOO curve against its baseline from the same run: the two bare products the curve is made of (U·B and (U∘U)·D,
 * B and D n×200), interleaved with the curve so that a change of load hits both; three runs each.
 */
function timeLooCurveAgainstProducts(fit: SpectralFit, times: number[]) {
  const n = fit.eigenvalues.length;
  const squares = new Matrix64(n, n, fit.eigenvectors!.data.map((v) => v * v));
  const block = new Matrix64(n, 200, new Float64Array(n * 200).fill(1 / n));
  const looTimings = { curve: [] as number[], bare: [] as number[] };
  for (let run = 0; run < 3; run++) {
    looTimings.curve.push(timedOnce(() => looCurve(fit, times)).seconds);
    looTimings.bare.push(timedOnce(() => [gemm(fit.eigenvectors!, block), gemm(squares, block)]).seconds);
  }
  return looTimings;
}

/** 4. Exact LOO: the curve at 200 times after the eigendecomposition (two n×n by n×200 products). */
function looSection(ctx: BenchContext): Section {
  const looN = ctx.quick ? 1000 : 10000;
  const looFit = syntheticFitWithVectors(looN, 5);
  const top = looFit.eigenvalues[0]!;
  const bottom = looFit.eigenvalues[looN - 1]!;
  const looTimes = Array.from({ length: 200 }, (_, i) => (1e-3 / top) * ((1e6 * top) / bottom) ** (i / 199));
  const { value: curve, seconds: looFirst } = timedOnce(() => looCurve(looFit, looTimes));
  const looTimings = timeLooCurveAgainstProducts(looFit, looTimes);
  const looBest = Math.min(...looTimings.curve);
  const bareBest = Math.min(...looTimings.bare);
  const { value: selected, seconds: selectSeconds } = timedOnce(() => looTime(looFit));
  ctx.log(`LOO curve n = ${looN}, 200 times: ${formatSeconds(looBest)} best (first call ${formatSeconds(looFirst)})`);
  const ratio = (looBest / bareBest).toFixed(2);
  const table = {
    title: 'Exact leave-one-out after the eigendecomposition (no X, synthetic spectrum, orthonormal DCT basis)',
    columns: ['n', 'times', 'LOO curve (best of 3)', 'two bare products (best of 3)', 'ratio', 'first call (U∘U formed)', 'looTime (grid + refinement)', 'outcome', 't̂'],
    rows: [[looN, 200, formatSeconds(looBest), formatSeconds(bareBest), ratio, formatSeconds(looFirst), formatSeconds(selectSeconds), selected.outcome, selected.time.toPrecision(4)]],
    notes: [
      'Timings on a shared machine; target: LOO curve ≤ 5 s at n = 10,000 over 200 times (steady state).',
      'Two bare products: U·B and (U∘U)·D with B, D n×200, interleaved with the curve: the floor it is built on.',
    ],
  };
  const invariant = {
    name: `LOO curve at n = ${looN} finite, looTime interior`,
    ok: curve.values.every(Number.isFinite) && selected.outcome === 'interior' && Number.isFinite(selected.value),
    detail: `LOO in [${Math.min(...curve.values).toPrecision(4)}, ${Math.max(...curve.values).toPrecision(4)}], t̂ = ${selected.time}`,
  };
  const data = { n: looN, times: 200, ...looTimings, firstCallSeconds: looFirst, looTimeSeconds: selectSeconds, outcome: selected.outcome, time: selected.time };
  return { table, invariants: [invariant], data: { loo: data } };
}

export const mixedModelSuite: BenchSuite = {
  name: 'mixed-model',
  description: 'two-stage decision (exact score test + REML) after the eigendecomposition, p-value cost, null calibration',
  async run(ctx) {
    const sections = [decisionSection(ctx), pValueSection(ctx), nullCalibrationSection(ctx), looSection(ctx)];
    return {
      tables: sections.map((s) => s.table),
      invariants: sections.flatMap((s) => s.invariants),
      data: Object.assign({}, ...sections.map((s) => s.data)),
    };
  },
};
