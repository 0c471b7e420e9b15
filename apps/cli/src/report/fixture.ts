/**
 * Hand-made `TwoStageReport`s for tests (this package's and the CLI's). The kernel side is computed from a synthetic
 * spectrum with the formulas of math.md §1–2 (profile likelihood, Ψ, edf, σ̂², GCV, the discrete-time kernel
 * curves), so the plots look like a real run; the network's curves are the kernel's with a small made-up drift, and
 * the p-values are typed in (this package has no score test).
 */
import type { CurvePoint, StopPoint, TwoStageReport } from './contract.js';

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

/** A deterministic report for one scenario (fresh object each call: tests may mutate it). */
export function fixtureReport(scenario: FixtureScenario = 'train'): TwoStageReport {
  const withTest = scenario !== 'no-test';
  const eigenvalues = syntheticSpectrum(nTrain);
  const lambdaMean = mean(eigenvalues);
  const random = normalSampler(scenario === 'do-not-train' ? 11 : 7);
  const signal = eigenvalues.map((lambda, i) =>
    scenario === 'do-not-train' || (scenario === 'infinite-time' && lambda < lambdaMean) ? 0 : 6 * (i + 1) ** -0.9,
  );
  // Pure noise, a little lighter on the top directions so that Ψ(0) < 0 (REML's boundary outcome t̂ = 0).
  const noise = eigenvalues.map((lambda) =>
    scenario === 'infinite-time' ? 0 : noiseSd * random() * (scenario === 'do-not-train' ? 1 - 0.5 * lambda : 1),
  );
  const coefficients = signal.map((s, i) => s + noise[i]!);
  const model = new SpectralModel(eigenvalues, coefficients);

  const profileTimes = logSpaced(0.05, 2e4, 64);
  const profile = profileTimes.map((time) => ({ time, logLikelihood: model.profileLogLikelihood(time) }));
  const decorrelation = profileTimes.map((time) => ({ time, psi: model.psi(time) }));
  const remlTime = model.remlTime();
  const remlOutcome = remlTime === 0 ? 'zero' : Number.isFinite(remlTime) ? 'interior' : 'infinite';
  const remlSteps = Math.round(remlTime / learningRate);
  const reject = scenario !== 'do-not-train';
  const trainedSteps = !reject ? 0 : Math.min(remlSteps, maxSteps);
  const stopTime = Number.isFinite(remlTime) ? remlTime : profileTimes.at(-1)!;

  const testLossAt = (step: number): number | undefined =>
    withTest ? model.kernelTestLoss(step, learningRate, signal, scenario === 'infinite-time' ? 0 : noiseSd) : undefined;
  const gcvSteps = Math.min(maxSteps, Math.round(argmin(profileTimes, (t) => model.gcv(t)) / learningRate));
  const oracleSteps = argmin(integerLogSpaced(maxSteps, 200), (k) => testLossAt(k)!);
  const validationSteps = Math.min(maxSteps, Math.round(1.3 * (withTest ? oracleSteps : gcvSteps)));
  const lastStep = Math.min(maxSteps, Math.round(1.5 * Math.max(trainedSteps, gcvSteps, validationSteps, withTest ? oracleSteps : 0)));
  const curves: CurvePoint[] = integerLogSpaced(lastStep, 40).map((step) => {
    const kernelTrainLoss = model.kernelTrainLoss(step, learningRate);
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
    stop('gcv', gcvSteps, 'minimum of GCV(t) on the profile grid', false),
    ...(withTest ? [stop('oracle', oracleSteps, 'minimum of the kernel test loss', false)] : []),
    stop('validation', validationSteps, '20% hold-out, patience 10, best restored', true),
  ];

  const finalCurve = curves.find((point) => point.step >= trainedSteps) ?? curves.at(-1)!;
  const p = { train: 3.2e-12, 'no-test': 3.2e-12, 'do-not-train': 0.41, 'infinite-time': 1.4e-41 }[scenario];
  const lambdaSquaredSum = sum(eigenvalues.map((lambda) => lambda * lambda));
  const lambdaSum = sum(eigenvalues);
  return {
    data: { nTrain, nTest: withTest ? 60 : 0, inputDim: 10, outputs: 1 },
    network: { parameterisation: 'standard', hiddenWidths: [500, 500], activation: 'relu', parameters: 256_501 },
    initialOutput: { network: 'zero', f0Ratio: 0, threshold: 0.01 / nTrain, projected: false },
    fixedEffects: ['intercept'],
    kernel: { source: 'empirical', eigenvalues, mostNegativeEigenvalue: -3.1e-15, seconds: 1.84 },
    learningRate,
    maxStableLearningRate: 2 / eigenvalues[0]!,
    test: {
      statistic: (nTrain * sum(coefficients.map((c, i) => eigenvalues[i]! * c * c))) / sum(coefficients.map((c) => c * c)),
      m: nTrain,
      nullMean: lambdaSum,
      nullVariance: (2 * (nTrain * lambdaSquaredSum - lambdaSum ** 2)) / (nTrain + 2),
      p,
      logP: Math.log(p),
      method: p < 1e-8 ? 'saddlepoint' : 'inversion',
      relativeErrorEstimate: p < 1e-8 ? 3.1e-4 : 2.2e-9,
      satterthwaiteP: p < 1e-8 ? p / 40 : 0.38,
      alpha: 0.05,
      convention: 'exact',
      reject,
    },
    reml: {
      outcome: remlOutcome,
      time: remlTime,
      steps: Number.isFinite(remlTime) ? remlSteps : Infinity,
      noiseVariance: model.noiseVariance(stopTime),
      edf: model.edf(stopTime),
      logLikelihood: model.profileLogLikelihood(stopTime),
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
        ? `p = ${p} ≥ α = 0.05: the data show no structure the kernel can fit; the initial network is kept.`
        : remlOutcome === 'infinite'
          ? `p < α; t̂ = ∞ (the residual lies on the high-λ directions only), so training was capped at ${maxSteps} steps.`
          : `p < α: train to the REML time t̂.`,
      ...(remlOutcome === 'infinite' ? { cappedAt: maxSteps } : {}),
    },
    decorrelation,
    spectralLossesAtStop: eigenvalues.map((lambda, i) => model.spectralLoss(i, Number.isFinite(remlTime) ? remlTime : Infinity)),
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

/** The no-fixed-effects model of math.md §2.1 in the kernel's eigenbasis. */
class SpectralModel {
  private readonly lambdaMean: number;
  constructor(
    private readonly eigenvalues: number[],
    private readonly coefficients: number[],
  ) {
    this.lambdaMean = mean(eigenvalues);
  }

  /** ℓ_i(t) = c_i² e^{−tλ_i} (and its limit at t = ∞). */
  spectralLoss(i: number, time: number): number {
    const lambda = this.eigenvalues[i]!;
    const c = this.coefficients[i]!;
    return lambda === 0 ? c * c : c * c * Math.exp(-time * lambda);
  }

  private spectralLosses(time: number): number[] {
    return this.eigenvalues.map((_, i) => this.spectralLoss(i, time));
  }

  psi(time: number): number {
    const losses = this.spectralLosses(time);
    const lossMean = mean(losses);
    return mean(this.eigenvalues.map((lambda, i) => (lambda - this.lambdaMean) * (losses[i]! - lossMean)));
  }

  profileLogLikelihood(time: number): number {
    const n = this.eigenvalues.length;
    // log Σ c_i² e^{−tλ_i} by log-sum-exp: the sum underflows at large t when only high-λ directions carry signal.
    const logTerms = this.coefficients.flatMap((c, i) => (c === 0 ? [] : [2 * Math.log(Math.abs(c)) - time * this.eigenvalues[i]!]));
    const top = Math.max(...logTerms);
    const logSum = top + Math.log(sum(logTerms.map((term) => Math.exp(term - top))));
    return -(n / 2) * logSum - (time / 2) * sum(this.eigenvalues);
  }

  noiseVariance(time: number): number {
    return mean(this.spectralLosses(time));
  }

  edf(time: number): number {
    return sum(this.eigenvalues.map((lambda) => -Math.expm1(-time * lambda)));
  }

  gcv(time: number): number {
    const n = this.eigenvalues.length;
    return (n * sum(this.spectralLosses(time))) / (n - this.edf(time)) ** 2;
  }

  /** Root of Ψ by bisection in log t (ℓ_p is concave: Ψ changes sign at most once); 0 or ∞ at the boundaries. */
  remlTime(): number {
    if (this.psi(0) <= 0) return 0;
    let low = 1e-3;
    let high = 1e6;
    if (this.psi(high) >= 0) return Infinity; // Ψ > 0 all the way (it underflows to 0)
    for (let iteration = 0; iteration < 200 && high / low > 1 + 1e-12; iteration++) {
      const middle = Math.sqrt(low * high);
      if (this.psi(middle) > 0) low = middle;
      else high = middle;
    }
    return Math.sqrt(low * high);
  }

  /** (1/2n) Σ c_i² (1 − ηλ_i)^{2k}: discrete-time GD on the linearised model. */
  kernelTrainLoss(step: number, eta: number): number {
    const n = this.eigenvalues.length;
    return sum(this.coefficients.map((c, i) => c * c * (1 - eta * this.eigenvalues[i]!) ** (2 * step))) / (2 * n);
  }

  /** Expected test loss of the linearised model: (σ² + bias² + variance)/2 in the training eigenbasis. */
  kernelTestLoss(step: number, eta: number, signal: number[], noiseSd: number): number {
    const n = this.eigenvalues.length;
    const variance = noiseSd * noiseSd;
    const terms = this.eigenvalues.map((lambda, i) => {
      const remaining = (1 - eta * lambda) ** step;
      return signal[i]! ** 2 * remaining ** 2 + variance * (1 - remaining) ** 2;
    });
    return (variance + sum(terms) / n) / 2;
  }
}

/** Standard normals from a seeded mulberry32 generator (Box–Muller). */
function normalSampler(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
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
