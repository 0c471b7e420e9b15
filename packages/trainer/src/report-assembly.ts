import { backendInfo } from '@duality/linalg-core';
import { pathAt } from '@duality/mixed-model';
import { parameterCount, type DenseNetwork, type TfBackendInfo } from '@duality/ntk';
import type { TwoStageAnalysis } from './analysis.js';
import { gradientDescentTime } from './time.js';
import { linearSections } from './linear-model.js';
import { formatPValue } from './p-value-text.js';
import type { CurvePoint, StopPoint, TwoStageReport } from './report.js';
import type { RecordedRun } from './training-run.js';

/** What the run produced beside the analysis: the stops, the curves, the trained extent. */
export interface RunOutcome {
  alpha: number;
  maxSteps: number;
  /** Steps the rule trains (0 when the test does not reject). */
  ruleSteps: number;
  stops: StopPoint[];
  curves: CurvePoint[];
  run: RecordedRun;
  tfjs: TfBackendInfo;
}

function networkSection(network: DenseNetwork): TwoStageReport['network'] {
  return {
    parameterisation: network.parameterisation,
    hiddenWidths: network.plans.slice(0, -1).map((p) => p.fanOut),
    activation: network.plans[0]!.activation.name,
    parameters: parameterCount(network.plans),
  };
}

function testSection({ decision }: TwoStageAnalysis, alpha: number): TwoStageReport['test'] {
  const t = decision.test;
  return {
    statistic: t.statistic,
    m: t.m,
    nullMean: t.nullMean,
    nullVariance: t.nullVariance,
    p: t.p,
    logP: t.logP,
    pText: formatPValue(t.p, t.logP),
    method: t.method,
    relativeErrorEstimate: t.relativeErrorEstimate,
    satterthwaiteP: t.satterthwaiteP,
    alpha,
    convention: decision.convention,
    reject: decision.train,
  };
}

function remlSection({ decision, remlSteps }: TwoStageAnalysis): TwoStageReport['reml'] {
  const { reml } = decision;
  return {
    outcome: reml.outcome,
    time: reml.time,
    steps: remlSteps,
    noiseVariance: reml.noiseVariance,
    edf: reml.edf,
    logLikelihood: reml.logLikelihood,
    profile: Array.from(reml.profile.times, (time, i) => ({ time, logLikelihood: reml.profile.logLikelihood[i]! })),
  };
}

const RULE_NAMES = { reml: 'REML', loo: 'leave-one-out', gcv: 'GCV' } as const;

/** The chosen rule's stop in words: its t̂ and outcome, or the cap it ran into. */
function ruleStopText({ rule, stopping }: TwoStageAnalysis): string {
  const chosen = stopping.rules[rule];
  const own = `${RULE_NAMES[rule]} stops at t̂ = ${chosen.time.toPrecision(4)} (${chosen.outcome})`;
  return chosen.capped ? `${own}, past the cap: trained ≥ ${chosen.stopSteps.toLocaleString('en-US')} steps, the cap` : own;
}

function decisionSection(analysis: TwoStageAnalysis, outcome: RunOutcome): TwoStageReport['decision'] {
  const { decision, rule, stopping } = analysis;
  const { alpha, maxSteps } = outcome;
  // The Satterthwaite p of the published convention has no log; the exact p underflows to 0 only with its log kept.
  const p = formatPValue(decision.decidingP, decision.convention === 'exact' ? decision.test.logP : undefined);
  return {
    train: decision.train,
    rule,
    steps: outcome.ruleSteps,
    reason: decision.train
      ? `the score test rejects t = 0 (p = ${p} < α = ${alpha}); ${ruleStopText(analysis)}`
      : `the score test does not reject t = 0 (p = ${p} ≥ α = ${alpha}): ${analysis.linearPart ? 'what the linear model leaves looks like noise to this kernel, so do not train the network: the linear part predicts alone' : 'the targets look like noise to this kernel, so the initial network is kept'}`,
    ...(decision.train && stopping.rules[rule].capped ? { cappedAt: maxSteps } : {}),
  };
}

/** The report of a two-stage run, as plain JSON-able data. */
export function assembleReport(network: DenseNetwork, analysis: TwoStageAnalysis, outcome: RunOutcome): TwoStageReport {
  const { kernel, fit, decision, learningRate, largestEigenvalue, x, y, test } = analysis;
  const { ruleSteps, run } = outcome;
  const { time } = gradientDescentTime(learningRate, largestEigenvalue);
  const atStop = run.measured.find((m) => m.step === ruleSteps)!;
  // A low-rank kernel's other n − r directions share one eigenvalue: the report lists the r computed ones.
  const computed = kernel.lowRank?.rank ?? fit.n;
  return {
    data: { nTrain: x.rows, nTest: test?.x.rows ?? 0, inputDim: x.cols, outputs: y.cols },
    network: networkSection(network),
    initialOutput: analysis.initialOutput,
    fixedEffects: analysis.fixedEffects,
    kernel: {
      source: kernel.source,
      eigenvalues: Array.from(fit.eigenvalues.subarray(0, computed)),
      ...(kernel.lowRank ? { lowRank: kernel.lowRank } : {}),
      mostNegativeEigenvalue: fit.mostNegativeEigenvalue,
      seconds: kernel.seconds,
    },
    learningRate,
    maxStableLearningRate: 2 / largestEigenvalue,
    test: testSection(analysis, outcome.alpha),
    reml: remlSection(analysis),
    stoppingRules: analysis.stopping,
    decision: decisionSection(analysis, outcome),
    decorrelation: Array.from(decision.reml.profile.times, (time) => ({ time, psi: pathAt(fit, time, { useDesign: false }).decorrelation })),
    spectralLossesAtStop: Array.from(pathAt(fit, time(ruleSteps), { useDesign: false }).spectralLosses.subarray(0, computed)),
    stops: outcome.stops,
    ...linearSections(analysis, atStop.testLoss),
    curves: outcome.curves,
    training: {
      steps: ruleSteps,
      trainedTo: run.measured[run.measured.length - 1]!.step,
      seconds: run.seconds,
      batchSize: run.batch.size,
      batchRule: run.batch.rule,
      tfjsBackend: outcome.tfjs.backend,
      linalgBackend: backendInfo().name,
      finalTrainLoss: atStop.trainLoss,
      finalTestLoss: atStop.testLoss,
    },
  };
}
