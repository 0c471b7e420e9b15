import { gemm, lowRankSpectrum, Matrix64, syrk } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { MixedModelInputError } from './errors.js';
import { looCurve } from './loo.js';
import { looTime } from './loo-time.js';
import { gcvTime, oracleTime, pathAt, predictAt } from './path.js';
import { remlStoppingTime } from './reml.js';
import { scoreTest } from './score-test.js';
import type { SpectralFitInput } from './fit-inputs.js';
import { fitSpectral, type SpectralFit } from './spectral-fit.js';
import { normalGenerator } from './test-utils.js';
import type { TrainingTime } from './training-time.js';
import { twoStageDecision } from './two-stage.js';

/*
 * The low-rank fit against the dense fit of the same kernel Θ = F Fᵀ (+ ρ(I − U_rU_rᵀ)): every statistic must agree
 * to 1e-9 relative. Float64 throughout; the dense path's n − r zero eigenvalues come out of eigSym at rounding level
 * (≈ n·ε·λ1), which moves its statistics by ~1e-12 relative, so 1e-9 leaves three orders of margin.
 */
const RELATIVE = 1e-9;

function gaussian(rows: number, cols: number, next: () => number): Matrix64 {
  return new Matrix64(rows, cols, Float64Array.from({ length: rows * cols }, next));
}

interface Problem {
  f: Matrix64;
  y: Matrix64;
  f0?: Matrix64;
  design?: Matrix64;
  cross: Matrix64;
  testTargets: Matrix64;
  designNew?: Matrix64;
  f0New?: Matrix64;
}

/** F (n×r) with decaying column scales, y = F·a + noise (k outputs), a cross-kernel F* Fᵀ at 25 new points. */
function problem(n: number, r: number, k: number, seed: number, options: { intercept?: boolean; f0?: boolean }): Problem {
  const next = normalGenerator(seed);
  const scale = (m: Matrix64) => {
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < r; j++) m.data[i * r + j]! *= 2 / ((j + 1) * Math.sqrt(n));
    return m;
  };
  const f = scale(gaussian(n, r, next));
  const fNew = scale(gaussian(25, r, next));
  const a = gaussian(r, k, next);
  const signal = (m: Matrix64) => gemm(m, a);
  const withNoise = (m: Matrix64) => new Matrix64(m.rows, k, m.data.map((v) => Math.sqrt(m.rows) * v + 0.5 * next()));
  const ones = (rows: number) => new Matrix64(rows, 1, new Float64Array(rows).fill(1));
  return {
    f,
    y: withNoise(signal(f)),
    f0: options.f0 ? gaussian(n, k, next) : undefined,
    design: options.intercept ? ones(n) : undefined,
    cross: gemm(fNew, f, { transB: true }),
    testTargets: withNoise(signal(fNew)),
    designNew: options.intercept ? ones(25) : undefined,
    f0New: options.f0 ? gaussian(25, k, next) : undefined,
  };
}

/** The dense kernel F Fᵀ + ρ(I − U_rU_rᵀ) and the low-rank spectrum of F with remainder ρ. */
function bothFits(pb: Problem, remainder: number): { dense: SpectralFit; low: SpectralFit; r: number } {
  const spectrum = lowRankSpectrum(pb.f);
  const kernel = syrk(pb.f);
  if (remainder > 0) {
    const projector = gemm(spectrum.vectors, spectrum.vectors, { transB: true });
    for (let q = 0; q < kernel.data.length; q++) kernel.data[q]! -= remainder * projector.data[q]!;
    for (let i = 0; i < kernel.rows; i++) kernel.data[i * kernel.rows + i]! += remainder;
  }
  const common: Omit<SpectralFitInput, 'kernel'> = { y: pb.y, f0: pb.f0, design: pb.design, crossKernel: pb.cross };
  const dense = fitSpectral({ kernel, ...common });
  const low = fitSpectral({ lowRank: { values: spectrum.values, vectors: spectrum.vectors, remainder }, ...common });
  return { dense, low, r: spectrum.rank };
}

function expectRelative(actual: number, reference: number, tolerance = RELATIVE): void {
  expect(Math.abs(actual - reference)).toBeLessThanOrEqual(tolerance * Math.max(Math.abs(reference), Number.MIN_VALUE));
}

/** Entrywise, relative to the largest entry of the reference (or to `floor`, where the reference is rounding). */
function expectMatrixClose(actual: Matrix64 | Float64Array, reference: Matrix64 | Float64Array, tolerance = RELATIVE, floor = 0): void {
  const [a, b] = [actual instanceof Matrix64 ? actual.data : actual, reference instanceof Matrix64 ? reference.data : reference];
  expect(a.length).toBe(b.length);
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), floor);
  const worst = a.reduce((m, v, q) => Math.max(m, Math.abs(v - b[q]!)), 0);
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

/** Tail accuracy well below RELATIVE, so the p-values compare the statistic rather than two error budgets. */
const tail = { relativeTolerance: 1e-11 };

function expectSameTest(low: SpectralFit, dense: SpectralFit, projectOut?: 'design' | 'f0' | 'nothing'): void {
  const [a, b] = [scoreTest(low, { projectOut, tail }), scoreTest(dense, { projectOut, tail })];
  expectRelative(a.statistic, b.statistic);
  expectRelative(a.nullMean, b.nullMean);
  expectRelative(a.nullVariance, b.nullVariance);
  expectRelative(a.p, b.p);
  expectRelative(a.logP, b.logP);
  expectRelative(a.satterthwaiteP, b.satterthwaiteP);
  expect(a.m).toBe(b.m);
}

function expectSamePath(low: SpectralFit, dense: SpectralFit, r: number, time: TrainingTime): void {
  const [a, b] = [pathAt(low, time), pathAt(dense, time)];
  for (const key of ['edf', 'gcv', 'noiseVariance'] as const) expectRelative(a[key], b[key]);
  // Ψ vanishes at the REML time: measured against its natural scale λ1 × the mean spectral loss instead.
  const meanLoss = b.spectralLosses.reduce((sum, v) => sum + v, 0) / dense.n;
  expect(Math.abs(a.decorrelation - b.decorrelation)).toBeLessThanOrEqual(RELATIVE * dense.eigenvalues[0]! * meanLoss);
  // Per-direction losses on the r distinct eigenvalues; the other directions' losses are basis-dependent, their sum is not.
  expectMatrixClose(a.spectralLosses.subarray(0, r), b.spectralLosses.subarray(0, r));
  const rest = (losses: Float64Array) => losses.subarray(r).reduce((s, v) => s + v, 0);
  expectRelative(rest(a.spectralLosses), rest(b.spectralLosses));
  // At t = 0 the fit is f0 + rounding (0 without f0): measured against the size of y.
  const ySize = dense.y!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expectMatrixClose(a.fitted!, b.fitted!, RELATIVE, ySize);
  expectMatrixClose(a.residuals!, b.residuals!, RELATIVE, ySize);
  if (b.fixedEffects) expectMatrixClose(a.fixedEffects!, b.fixedEffects);
}

const cases: [string, { k: number; intercept?: boolean; f0?: boolean; remainder: number }][] = [
  ['no design', { k: 1, remainder: 0 }],
  ['an intercept design', { k: 1, intercept: true, remainder: 0 }],
  ['f0 nonzero', { k: 1, f0: true, remainder: 0 }],
  ['2 outputs', { k: 2, remainder: 0 }],
  ['a remainder ρ', { k: 1, remainder: 2e-3 }],
  ['a remainder ρ, an intercept, f0 and 2 outputs', { k: 2, intercept: true, f0: true, remainder: 2e-3 }],
];

describe.each(cases)('the low-rank fit equals the dense fit of F Fᵀ (n = 400, r = 30) with %s', (_name, c) => {
  const pb = problem(400, 30, c.k, 7 + c.k, { intercept: c.intercept, f0: c.f0 });
  const { dense, low, r } = bothFits(pb, c.remainder);
  const reml = remlStoppingTime(dense);
  const times = [0, 0.3 * reml.time, reml.time, 5 * reml.time, 1e3];
  const eta = 0.5 / dense.eigenvalues[0]!;
  const steps: TrainingTime[] = [0, 3, 40, 700].map((k) => ({ learningRate: eta, steps: k }));

  it('keeps n-length eigenvalues (r values, then ρ) and no n×n matrix', () => {
    expect(low.eigenvalues.length).toBe(400);
    expect(Array.from(low.eigenvalues.subarray(r))).toEqual(new Array(400 - r).fill(c.remainder));
    expect(low.lowRankBasis!.vectors.cols).toBe(r);
    expect(low.crossProjections!.rows).toBe(r);
  });

  it('score test: S, null moments, p-value and log p', () => {
    expectSameTest(low, dense);
    if (c.f0 && c.k === 1) expectSameTest(low, dense, 'f0');
    if (c.intercept) expectSameTest(low, dense, 'nothing');
  });

  it('REML: t̂, σ̂², edf, the likelihood and its profile', () => {
    const profileTimes = [1e-2, 0.1, 1, 10, 100, 1e3];
    const [a, b] = [remlStoppingTime(low, { profileTimes }), remlStoppingTime(dense, { profileTimes })];
    expect(a.outcome).toBe('interior');
    expect(a.outcome).toBe(b.outcome);
    // With a design REML's t̂ comes from the shared grid search, refined to 1e-6 in log t (time-grid.ts): t̂, and σ̂² and
    // edf read at it, agree to that resolution; the likelihood at the maximum to rounding.
    for (const key of ['time', 'noiseVariance', 'edf'] as const) expectRelative(a[key], b[key], 1e-5);
    expectRelative(a.logLikelihood, b.logLikelihood);
    expectMatrixClose(a.profile.logLikelihood, b.profile.logLikelihood);
  });

  it('GCV and oracle times, the two-stage decision', () => {
    const [a, b] = [gcvTime(low), gcvTime(dense)];
    expectRelative(a.value, b.value);
    // The argmin of a flat minimum is determined only to about √(rounding of the criterion): measured ~1e-7 relative.
    expectRelative(a.time, b.time, 1e-6);
    const truth = { testTargets: pb.testTargets, f0New: pb.f0New, designNew: pb.designNew };
    expectRelative(oracleTime(low, truth).value, oracleTime(dense, truth).value);
    const [da, db] = [twoStageDecision(low), twoStageDecision(dense)];
    expect(da.train).toBe(db.train);
    expectRelative(da.reml.time, db.reml.time, 1e-5);
    // The decision's rule (leave-one-out) at its minimum: the value agrees to rounding, the argmin of a flat minimum
    // only to about √(rounding) (measured ~1.6e-4 relative).
    expect(da.rule.name).toBe('loo');
    expectRelative(da.rule.value, db.rule.value);
    expectRelative(da.time, db.time, 1e-3);
    expectRelative(da.decidingP, db.decidingP, 1e-6); // default tail tolerance (1e-7 certified)
  });

  it('the path in continuous and discrete time: losses, Ψ, edf, GCV, σ̂², the in-sample fit', () => {
    for (const t of [...times, ...steps]) expectSamePath(low, dense, r, t);
  });

  it('predictions at new points through the cross-kernel F* Fᵀ', () => {
    const input = { f0New: pb.f0New, designNew: pb.designNew };
    for (const t of [...times, ...steps]) expectMatrixClose(predictAt(low, t, input), predictAt(dense, t, input));
  });

  it('exact leave-one-out: the curve in continuous and discrete time, and the LOO time', () => {
    expectMatrixClose(looCurve(low, times).values, looCurve(dense, times).values);
    expectMatrixClose(looCurve(low, steps).values, looCurve(dense, steps).values);
    const [a, b] = [looTime(low), looTime(dense)];
    expect(a.outcome).toBe(b.outcome);
    expectRelative(a.value, b.value);
    expectRelative(a.time, b.time, 1e-6); // GCV's √rounding limit, and looTime's own resolution (1e-6 in log t)
    const [da, db] = [looTime(low, { learningRate: eta }), looTime(dense, { learningRate: eta })];
    expect(da.steps).toBe(db.steps);
    expectRelative(da.value, db.value);
  });
});

describe('the low-rank fit: cross projections given directly, and bad input', () => {
  const pb = problem(60, 5, 1, 3, {});
  const spectrum = lowRankSpectrum(pb.f);
  const lowRank = { values: spectrum.values, vectors: spectrum.vectors };

  it('lowRank.crossProjections = U_rᵀΘ(X, x*)ᵀ predicts as crossKernel does', () => {
    const viaKernel = fitSpectral({ lowRank, y: pb.y, crossKernel: pb.cross });
    const crossProjections = gemm(spectrum.vectors, pb.cross, { transA: true, transB: true });
    const direct = fitSpectral({ lowRank: { ...lowRank, crossProjections }, y: pb.y });
    expectMatrixClose(predictAt(direct, 2), predictAt(viaKernel, 2), 1e-14);
  });

  const cases: [string, () => unknown, RegExp][] = [
    ['two sources', () => fitSpectral({ lowRank, kernel: syrk(pb.f), y: pb.y }), /exactly one of `kernel`/],
    ['values and vectors disagree', () => fitSpectral({ lowRank: { ...lowRank, values: [1, 2] }, y: pb.y }), /2 values but 5 vectors/],
    ['F instead of U_r', () => fitSpectral({ lowRank: { ...lowRank, vectors: pb.f }, y: pb.y }), /not orthonormal/],
    ['negative remainder', () => fitSpectral({ lowRank: { ...lowRank, remainder: -1 }, y: pb.y }), /remainder ρ = -1/],
    ['y of the wrong length', () => fitSpectral({ lowRank, y: [1, 2, 3] }), /y has 3 rows but the kernel has n = 60/],
    [
      'cross projections of the wrong shape',
      () => fitSpectral({ lowRank: { ...lowRank, crossProjections: pb.cross }, y: pb.y }),
      /r×n\* = 5×n\*/,
    ],
    [
      'both cross inputs',
      () => fitSpectral({ lowRank: { ...lowRank, crossProjections: new Matrix64(5, 2) }, crossKernel: pb.cross, y: pb.y }),
      /either crossKernel or lowRank.crossProjections/,
    ],
  ];
  for (const [name, run, message] of cases) {
    it(name, () => {
      expect(run).toThrow(MixedModelInputError);
      expect(run).toThrow(message);
    });
  }

  it('expand refuses directions the basis does not hold', () => {
    const fit = fitSpectral({ lowRank, y: pb.y });
    const v = new Matrix64(60, 1);
    v.data[59] = 1;
    expect(() => fit.expand!(v)).toThrow(/zero past row 6/);
  });
});
