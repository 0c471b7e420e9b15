/** The report's text: the decision in words, the key numbers, and each rule's stop, formatted for reading. */
import type { StoppingRule, TwoStageReport } from './contract.js';
import { stopTimeLabel } from './charts.js';
import { formatCount, formatNumber, formatPValue, formatSeconds } from './format.js';

export type RunDetails = Record<string, string | number | boolean>;

export interface ReportSummary {
  /** One line: what to do. */
  headline: string;
  train: boolean;
  /** Why, from the trainer. */
  reason: string;
  /** One line on the data and the network. */
  subtitle: string;
  rows: [label: string, value: string][];
  stopsHeader: string[];
  stops: string[][];
  /** A class target's confusion table (the network at the stop; test rows when there are any). */
  confusion?: { caption: string; header: string[]; rows: string[][] };
}

const ruleNames: Record<StoppingRule, string> = {
  reml: 'REML',
  loo: 'Leave-one-out (LOO)',
  gcv: 'GCV',
  oracle: 'Kernel-model oracle (test set)',
  validation: 'Validation early stopping',
  fixed: 'Fixed budget',
};

/** How f0 was handled, in words (math.md §0.1). */
export function initialOutputLabel(initial: TwoStageReport['initialOutput']): string {
  const start =
    initial.network !== 'zero'
      ? `the network's own f0, ‖f0‖²/‖y − ȳ‖² = ${formatNumber(initial.f0Ratio)}`
      : initial.f0Ratio === 0
        ? 'centred network (g − g₀): output exactly 0 at initialisation'
        : // A centred network read back after training: it has left θ0, so its output is no longer 0.
          `centred network (g − g₀) away from its initial weights θ0 (a trained model): ‖f0‖²/‖y − ȳ‖² = ${formatNumber(initial.f0Ratio)}`;
  return initial.note ? `${start}; ${initial.note}` : start;
}

/** The rule in use, every rule's stop, and the note when LOO disagrees with REML (or agrees far later, on a flat curve). */
export function stageTwoLabel(rule: TwoStageReport['decision']['rule'], stopping: TwoStageReport['stoppingRules']): string {
  const { rules } = stopping;
  const note = stopping.misspecification ?? stopping.flatCurve;
  const stops = (Object.keys(rules) as (keyof typeof rules)[]).map((r) => `${r} ${formatSteps(rules[r].steps)}`).join(', ');
  return `${rule} (steps: ${stops})${note ? `. ${note}` : ''}`;
}

function formatSteps(steps: number): string {
  return Number.isFinite(steps) ? formatCount(steps) : '∞';
}

/** A low-rank kernel in words: rank, landmarks, the share of the trace it holds, the remainder. */
export function lowRankLabel(low: NonNullable<TwoStageReport['kernel']['lowRank']>): string {
  const remainder = low.remainder === 'isotropic' ? `the other directions share ρ = ${formatNumber(low.remainderEigenvalue)}` : 'the other directions at 0';
  return `rank ${formatCount(low.rank)} Nyström (${formatCount(low.landmarks)} ${low.method} landmark rows), holds ${(100 * low.traceCaptured).toFixed(1)}% of tr Θ; ${remainder}`;
}

/** The fixed effects projected out of the test, and why each is there. */
export function fixedEffectsLabel(columns: TwoStageReport['fixedEffects']): string {
  const why = { intercept: 'intercept (the targets were centred)', f0: 'f0 (the initial output)', covariates: 'intercept and the named covariates', features: 'an intercept and every feature (linear: what the network adds beyond a linear model)' };
  return columns.length === 0 ? 'none (the exact duality)' : columns.map((c) => why[c]).join(', ');
}

/** An accuracy as a percentage with one decimal. */
function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

/** The network's accuracy at the stop, against always guessing the most frequent class. */
export function accuracyLabel(c: NonNullable<TwoStageReport['classification']>): string {
  const judged = c.test ?? c.train;
  return (
    `train ${percent(c.train.accuracy)}${c.test ? `, test ${percent(c.test.accuracy)}` : ''}; ` +
    `always guessing the most frequent class: ${percent(judged.majorityClass)} (${c.classes.length} classes)`
  );
}

function confusionTable(c: NonNullable<TwoStageReport['classification']>): NonNullable<ReportSummary['confusion']> {
  const judged = c.test ?? c.train;
  return {
    caption: `Confusion table: ${c.test ? 'test' : 'training'} rows, the network at the stop (rows: true class; columns: predicted)`,
    header: ['True \\ predicted', ...c.classes],
    rows: judged.confusion.map((row, k) => [c.classes[k]!, ...row.map(formatCount)]),
  };
}

/** The stops table: each rule's steps, time, test losses (and the kernel model's test accuracy for a class target). */
function stopsTable(report: TwoStageReport): Pick<ReportSummary, 'stopsHeader' | 'stops'> {
  const withTest = report.stops.some((stop) => stop.testLoss !== undefined || stop.kernelTestLoss !== undefined);
  const accuracies = report.classification?.stops;
  const withAccuracy = accuracies?.some((a) => a.kernelTestAccuracy !== undefined) ?? false;
  const stopsHeader = [
    'Rule',
    'Steps',
    'Time t',
    ...(withTest ? ['Test loss (network)', 'Test loss (kernel)'] : []),
    ...(withAccuracy ? ['Test accuracy (kernel)'] : []),
    'How',
  ];
  const stops = report.stops.map((stop, i) => {
    const accuracy = accuracies?.[i]?.kernelTestAccuracy;
    return [
      ruleNames[stop.rule],
      formatCount(stop.steps),
      formatNumber(stop.time),
      ...(withTest ? [formatNumber(stop.testLoss), formatNumber(stop.kernelTestLoss)] : []),
      ...(withAccuracy ? [accuracy === undefined ? '—' : percent(accuracy)] : []),
      stop.note,
    ];
  });
  return { stopsHeader, stops };
}

export function reportSummary(report: TwoStageReport, run: RunDetails = {}): ReportSummary {
  const { data, network, kernel, test, reml, decision, training } = report;
  const chosen = report.stoppingRules.rules[decision.rule];
  const headline = decision.train
    ? `Train: ${formatCount(decision.steps)} steps of gradient descent` +
      (chosen.outcome === 'infinite' ? ' (t̂ = ∞, capped)' : `, to t̂ = ${formatNumber(chosen.time)} (${ruleNames[decision.rule]})`)
    : 'Do not train: keep the network at initialisation';
  const widths = network.hiddenWidths.length === 0 ? 'no hidden layer' : `hidden ${network.hiddenWidths.join('×')}`;
  const subtitle =
    `${formatCount(data.nTrain)} training and ${formatCount(data.nTest)} test rows, ${data.inputDim} inputs, ` +
    `${data.outputs} output${data.outputs === 1 ? '' : 's'} · ${network.activation} MLP, ${widths}, ` +
    `${network.parameterisation} parameterisation, ${formatCount(network.parameters)} parameters`;

  const errorNote = test.method === 'degenerate' ? 'exact' : `relative error ≈ ${formatNumber(test.relativeErrorEstimate, 2)}`;
  const rows: [string, string][] = [
    [
      'Score test of H₀: t = 0',
      `p = ${formatPValue(test.p, test.logP)} (${test.method}, ${errorNote}) at α = ${formatNumber(test.alpha)}; ` +
        `Satterthwaite approximation p ≈ ${formatPValue(test.satterthwaiteP)}`,
    ],
    [
      'Test statistic',
      `S = ${formatNumber(test.statistic)}; under H₀ mean ${formatNumber(test.nullMean)}, ` +
        `sd ${formatNumber(Math.sqrt(test.nullVariance))} (m = ${formatCount(test.m)}, ${test.convention} convention)`,
    ],
    ['Initial output', initialOutputLabel(report.initialOutput)],
    ['Fixed effects (test and REML)', fixedEffectsLabel(report.fixedEffects)],
    ['Stage-2 rule', stageTwoLabel(report.decision.rule, report.stoppingRules)],
    ['REML stopping time', `${stopTimeLabel(report)}; outcome ${reml.outcome}`],
    ['Effective degrees of freedom', `${formatNumber(reml.edf)} of n = ${formatCount(data.nTrain)}`],
    ['Noise variance σ̂²', formatNumber(reml.noiseVariance)],
    [
      'Learning rate',
      `η = ${formatNumber(report.learningRate)}; largest stable 2/λ₁ = ${formatNumber(report.maxStableLearningRate)} ` +
        `(η is ${formatNumber((100 * report.learningRate) / report.maxStableLearningRate, 3)}% of it)`,
    ],
    [
      'Training',
      `${formatCount(training.steps)} steps; final loss train ` +
        `${formatNumber(training.finalTrainLoss)}` +
        (training.finalTestLoss === undefined ? '' : `, test ${formatNumber(training.finalTestLoss)}`),
    ],
    ...(report.classification ? [['Accuracy (network at the stop)', accuracyLabel(report.classification)] as [string, string]] : []),
    ...(report.kernelDrift ? [['Kernel drift to the stop', report.kernelDrift.note] as [string, string]] : []),
    [
      'Kernel',
      `${kernel.source}, ${formatCount(kernel.eigenvalues.length)} eigenvalues in ${formatSeconds(kernel.seconds)}` +
        (kernel.mostNegativeEigenvalue < 0 ? `; most negative before clipping ${formatNumber(kernel.mostNegativeEigenvalue, 2)}` : ''),
    ],
    ...(kernel.lowRank ? [['Low-rank kernel', lowRankLabel(kernel.lowRank)] as [string, string]] : []),
    ['Kernel and training', `kernel ${formatSeconds(kernel.seconds)} + training ${formatSeconds(training.seconds)}`],
    ['Backends', `TensorFlow.js ${training.tfjsBackend}; linear algebra ${training.linalgBackend}`],
    ...Object.entries(run).map(([label, value]): [string, string] => [label, String(value)]),
  ];

  return {
    headline,
    train: decision.train,
    reason: decision.reason,
    subtitle,
    rows,
    ...stopsTable(report),
    ...(report.classification ? { confusion: confusionTable(report.classification) } : {}),
  };
}
