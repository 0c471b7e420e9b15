/**
 * Hand-made `TwoStageReport`s for the CLI's report tests (a test helper: tsconfig.build.json keeps `test-*.ts` out
 * of dist/). The kernel side is @duality/mixed-model's own answer on a synthetic spectrum (score test, REML time and
 * profile, Ψ, edf, σ̂², GCV time, the discrete-time kernel curves), so the plots look like a real run and there is
 * one implementation of the model; the network's curves are the kernel's with a small made-up drift, and the
 * comparators' stops (validation, LOO) are made up around the kernel's.
 */
import { normalGenerator } from '@duality/linalg-core';
import { fitSpectral, gcvTime, pathAt, remlStoppingTime, scoreTest, type SpectralFit } from '@duality/mixed-model';
import type { CurvePoint, StopPoint, TwoStageReport } from './contract.js';
import { formatPValue } from './format.js';

/**
 * - `train`: signal plus noise, p ≪ α, an interior t̂, test data.
 * - `no-test`: the same without test data (no test curves, no oracle).
 * - `do-not-train`: pure noise, p ≥ α, t̂ = 0, no steps trained.
 * - `infinite-time`: noise-free signal on the high-λ directions only: t̂ = ∞, training capped.
 */
export type FixtureScenario = 'train' | 'no-test' | 'do-not-train' | 'infinite-time';

const nTrain = 240;
const learningRate = 0.01;
const noiseSd = 0.5;
const maxSteps = 20_000;
const alpha = 0.05;

/** A deterministic report for one scenario (fresh object each call: tests may mutate it). */
export function fixtureReport(scenario: FixtureScenario = 'train'): TwoStageReport {
  const withTest = scenario !== 'no-test';
  const eigenvalues = syntheticSpectrum(nTrain);
  const lambdaMean = mean(eigenvalues);
  const random = normalGenerator(scenario === 'do-not-train' ? 11 : 7);
  const signal = eigenvalues.map((lambda, i) =>
    scenario === 'do-not-train' || (scenario === 'infinite-time' && lambda < lambdaMean) ? 0 : 6 * (i + 1) ** -0.9,
  );
  // Pure noise, a little lighter on the top directions so that Ψ(0) < 0 (REML's boundary outcome t̂ = 0).
  const noise = eigenvalues.map((lambda) =>
    scenario === 'infinite-time' ? 0 : noiseSd * random() * (scenario === 'do-not-train' ? 1 - 0.5 * lambda : 1),
  );
  const coefficients = signal.map((s, i) => s + noise[i]!);
  // c = Uᵀy with no fixed effects: the model of math.md §2.1 in the kernel's eigenbasis.
  const fit = fitSpectral({ spectrum: { values: eigenvalues, residualProjections: coefficients } });

  const profileTimes = logSpaced(0.05, 2e4, 64);
  const reml = remlStoppingTime(fit, { profileTimes });
  const profile = Array.from(reml.profile.times, (time, i) => ({ time, logLikelihood: reml.profile.logLikelihood[i]! }));
  const decorrelation = profileTimes.map((time) => ({ time, psi: pathAt(fit, time).decorrelation }));
  const { time: remlTime, outcome: remlOutcome } = reml;
  const remlSteps = Math.round(remlTime / learningRate);
  const score = scoreTest(fit);
  const reject = score.p < alpha;
  if (reject !== (scenario !== 'do-not-train') || (remlOutcome === 'zero') !== (scenario === 'do-not-train')) {
    throw new Error(`test fixture '${scenario}': p = ${score.p}, t̂ = ${remlTime}; the draw no longer fits the scenario`);
  }
  const trainedSteps = !reject ? 0 : Math.min(remlSteps, maxSteps);

  const testLossAt = (step: number): number | undefined =>
    withTest ? kernelTestLoss(eigenvalues, step, learningRate, signal, scenario === 'infinite-time' ? 0 : noiseSd) : undefined;
  const gcvSteps = Math.min(maxSteps, Math.round(gcvTime(fit).time / learningRate));
  const oracleSteps = argmin(integerLogSpaced(maxSteps, 200), (k) => testLossAt(k)!);
  const validationSteps = Math.min(maxSteps, Math.round(1.3 * (withTest ? oracleSteps : gcvSteps)));
  // At least 100 steps of curves, also when every rule stops at 0 (pure noise).
  const lastStep = Math.min(maxSteps, Math.max(100, Math.round(1.5 * Math.max(trainedSteps, gcvSteps, validationSteps, withTest ? oracleSteps : 0))));
  const curves: CurvePoint[] = integerLogSpaced(lastStep, 40).map((step) => {
    const kernelTrainLoss = kernelTrainLossAt(fit, step);
    const drift = 1 + 0.04 * (Math.log1p(step) / Math.log1p(lastStep)) ** 2;
    const kernelTestLoss = testLossAt(step);
    return {
      step,
      time: step * learningRate,
      trainLoss: kernelTrainLoss / drift,
      ...(kernelTestLoss === undefined ? {} : { testLoss: kernelTestLoss * drift, kernelTestLoss }),
      kernelTrainLoss,
      looLoss: (kernelTestLoss ?? kernelTrainLoss) * 1.03,
    };
  });

  const stop = (rule: StopPoint['rule'], steps: number, note: string, measured: boolean): StopPoint => {
    const kernelTestLoss = testLossAt(steps);
    const networkTestLoss = kernelTestLoss === undefined || !measured ? undefined : kernelTestLoss * 1.02;
    return {
      rule,
      steps,
      time: steps * learningRate,
      ...(kernelTestLoss === undefined ? {} : { kernelTestLoss }),
      ...(networkTestLoss === undefined ? {} : { testLoss: networkTestLoss }),
      note,
    };
  };
  const remlNote =
    remlOutcome === 'infinite'
      ? `t̂ = ∞ (noise-free signal); capped at ${maxSteps} steps`
      : reject
        ? 'root of Ψ(t) = 0 (REML)'
        : `not trained: p ≥ α (t̂ = ${remlTime})`;
  const stops: StopPoint[] = [
    stop('reml', trainedSteps, remlNote, true),
    stop('gcv', gcvSteps, 'minimum of GCV(t)', false),
    ...(withTest ? [stop('oracle', oracleSteps, 'minimum of the kernel test loss', false)] : []),
    stop('validation', validationSteps, '20% hold-out, patience 10, best restored', true),
  ];

  const finalCurve = curves.find((point) => point.step >= trainedSteps) ?? curves.at(-1)!;
  const { p } = score;
  return {
    data: { nTrain, nTest: withTest ? 60 : 0, inputDim: 10, outputs: 1 },
    network: { parameterisation: 'standard', hiddenWidths: [500, 500], activation: 'relu', parameters: 256_501 },
    initialOutput: { network: 'zero', f0Ratio: 0, threshold: 0.01 / nTrain, projected: false },
    fixedEffects: ['intercept'],
    kernel: { source: 'empirical', eigenvalues, mostNegativeEigenvalue: -3.1e-15, seconds: 1.84 },
    learningRate,
    maxStableLearningRate: 2 / eigenvalues[0]!,
    test: {
      statistic: score.statistic,
      m: score.m,
      nullMean: score.nullMean,
      nullVariance: score.nullVariance,
      p,
      logP: score.logP,
      pText: formatPValue(p, score.logP),
      method: score.method,
      relativeErrorEstimate: score.relativeErrorEstimate,
      satterthwaiteP: score.satterthwaiteP,
      alpha,
      convention: 'exact',
      reject,
    },
    reml: {
      outcome: remlOutcome,
      time: remlTime,
      steps: Number.isFinite(remlTime) ? remlSteps : Infinity,
      noiseVariance: reml.noiseVariance,
      edf: reml.edf,
      logLikelihood: reml.logLikelihood,
      profile,
    },
    stoppingRules: {
      rules: {
        reml: { time: remlTime, steps: Number.isFinite(remlTime) ? remlSteps : Infinity, outcome: remlOutcome },
        loo: { time: 1.4 * gcvSteps * learningRate, steps: Math.round(1.4 * gcvSteps), outcome: 'interior' },
        gcv: { time: gcvSteps * learningRate, steps: gcvSteps, outcome: 'interior' },
      },
      looLossAtReml: 0.331,
      looLossAtLoo: 0.3,
      misspecification: "REML's stop costs an estimated +10% out-of-sample loss against leave-one-out's; the model's prior looks too rough for these data",
    },
    decision: {
      train: reject,
      rule: 'reml',
      steps: trainedSteps,
      reason: !reject
        ? `p = ${p.toPrecision(2)} ≥ α = ${alpha}: the data show no structure the kernel can fit; the initial network is kept.`
        : remlOutcome === 'infinite'
          ? `p < α; t̂ = ∞ (the residual lies on the high-λ directions only), so training was capped at ${maxSteps} steps.`
          : `p < α: train to the REML time t̂.`,
      ...(remlOutcome === 'infinite' ? { cappedAt: maxSteps } : {}),
    },
    decorrelation,
    spectralLossesAtStop: Array.from(pathAt(fit, remlTime).spectralLosses),
    stops,
    curves,
    training: {
      steps: trainedSteps,
      trainedTo: lastStep, // as with the 'horizon' comparator: the network measured to the end of the curves
      seconds: trainedSteps * 0.0093,
      tfjsBackend: 'wasm',
      linalgBackend: 'lapack (OpenBLAS)',
      finalTrainLoss: finalCurve.trainLoss!,
      ...(finalCurve.testLoss === undefined ? {} : { finalTestLoss: finalCurve.testLoss }),
    },
  };
}

/** λ_i = 1.8·i^(−1.6), last one clipped to 0 (a rank-deficient empirical kernel). */
function syntheticSpectrum(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1.8 * (i + 1) ** -1.6));
}

/** (1/2n)‖u − f̂_k‖² = (1/2n) Σ ((1 − ηλ_i)^k c_i)²: the kernel model's training loss after k steps of GD. */
function kernelTrainLossAt(fit: SpectralFit, steps: number): number {
  const residuals = pathAt(fit, { learningRate, steps }).residualProjections.data;
  return sum(Array.from(residuals, (r) => r * r)) / (2 * fit.n);
}

/**
 * Expected test loss of the kernel model after k steps, (σ² + bias² + variance)/2 in the training eigenbasis, from
 * the truth the fixture drew (signal and noise level): the oracle's yardstick, not a model quantity.
 */
function kernelTestLoss(eigenvalues: number[], step: number, eta: number, signal: number[], noiseSd: number): number {
  const variance = noiseSd * noiseSd;
  const terms = eigenvalues.map((lambda, i) => {
    const remaining = (1 - eta * lambda) ** step;
    return signal[i]! ** 2 * remaining ** 2 + variance * (1 - remaining) ** 2;
  });
  return (variance + sum(terms) / eigenvalues.length) / 2;
}

function logSpaced(from: number, to: number, count: number): number[] {
  const ratio = Math.log(to / from) / (count - 1);
  return Array.from({ length: count }, (_, i) => from * Math.exp(ratio * i));
}

/** 0 and about `count` distinct integers log-spaced in [1, last]. */
function integerLogSpaced(last: number, count: number): number[] {
  return [0, ...new Set(logSpaced(1, last, count).map(Math.round))];
}

function argmin(candidates: number[], value: (candidate: number) => number): number {
  return candidates.reduce((best, candidate) => (value(candidate) < value(best) ? candidate : best));
}

function sum(values: number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

function mean(values: number[]): number {
  return sum(values) / values.length;
}
