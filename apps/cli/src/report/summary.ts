/** The report's text: the decision in words, the key numbers, and each rule's stop, formatted for reading. */
import type { StoppingRule, TwoStageReport } from './contract.js';
import { stopTimeLabel } from './charts.js';
import { counted, formatCount, formatNumber, formatPValue, formatSeconds } from './format.js';
import { alternativesLabel, chosenRuleLabel, intervalLabel, metricsRows, percent } from './numbers.js';
import { costText, estimatedCost, ruleTitles } from './rule-chart.js';

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
  /** A class target's confusion tables (the network at the stop, then the kernel model; test rows when there are any). */
  confusion: { caption: string; header: string[]; rows: string[][] }[];
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

/**
 * The rule in use, every rule's stop (a capped one as "≥ N (the cap)"), and the note when LOO disagrees with REML (or
 * agrees far later, on a flat curve).
 */
export function stageTwoLabel(rule: TwoStageReport['decision']['rule'], stopping: TwoStageReport['stoppingRules']): string {
  const { rules } = stopping;
  const note = stopping.misspecification ?? stopping.flatCurve;
  const stops = (Object.keys(rules) as (keyof typeof rules)[]).map((r) => `${r} ${stepsText(rules[r])}`).join(', ');
  return `${rule} (steps: ${stops})${note ? `. ${note}` : ''}`;
}

function stepsText(rule: TwoStageReport['stoppingRules']['rules']['loo']): string {
  return rule.capped ? `≥ ${formatCount(rule.stopSteps)} (the cap)` : formatCount(rule.steps);
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

/** The network's accuracy at the stop, against always guessing the most frequent class. */
export function accuracyLabel(c: NonNullable<TwoStageReport['classification']>): string {
  const judged = c.test ?? c.train;
  return (
    `train ${percent(c.train.accuracy)}${c.test ? `, test ${percent(c.test.accuracy)}` : ''}; ` +
    `always guessing the most frequent class: ${percent(judged.majorityClass)} (${c.classes.length} classes)`
  );
}

/** Confusion tables of the network at the stop and of the kernel model, on the test rows (else the training rows). */
function confusionTables(report: TwoStageReport): ReportSummary['confusion'] {
  const m = report.metrics;
  if (m?.kind !== 'classification' || !m.classes) return [];
  const classes = m.classes;
  return [m.network, m.kernel].flatMap((model) => {
    const judged = model.test ?? model.train;
    if (!judged || !('confusion' in judged)) return [];
    return [
      {
        caption: `Confusion table: ${model.test ? 'test' : 'training'} rows, the ${model.label} (rows: true class; columns: predicted)`,
        header: ['True \\ predicted', ...classes],
        rows: judged.confusion.map((row, k) => [classes[k]!, ...row.map(formatCount)]),
      },
    ];
  });
}

/** The estimated extra out-of-sample loss (LOO) of a stage-2 rule's stop against the chosen rule's ('—' for the others). */
function costCell(report: TwoStageReport, rule: StoppingRule): string {
  if (rule !== 'loo' && rule !== 'reml' && rule !== 'gcv') return '—';
  return rule === report.decision.rule ? 'the rule used' : costText(estimatedCost(report, rule));
}

/** The stops table: each rule's steps (capped marked), time, estimated cost, test losses (and kernel test accuracy). */
function stopsTable(report: TwoStageReport): Pick<ReportSummary, 'stopsHeader' | 'stops'> {
  const withTest = report.stops.some((stop) => stop.testLoss !== undefined || stop.kernelTestLoss !== undefined);
  const accuracies = report.classification?.stops;
  const withAccuracy = accuracies?.some((a) => a.kernelTestAccuracy !== undefined) ?? false;
  const stopsHeader = [
    'Rule',
    'Steps',
    'Time t',
    'Estimated loss vs the rule used (LOO)',
    ...(withTest ? ['Test loss (network)', 'Test loss (kernel model)'] : []),
    ...(withAccuracy ? ['Test accuracy (kernel model)'] : []),
    'How',
  ];
  const stops = report.stops.map((stop, i) => {
    const accuracy = accuracies?.[i]?.kernelTestAccuracy;
    return [
      ruleNames[stop.rule],
      stop.capped ? `≥ ${formatCount(stop.steps)} (the cap)` : formatCount(stop.steps),
      formatNumber(stop.time),
      costCell(report, stop.rule),
      ...(withTest ? [formatNumber(stop.testLoss), formatNumber(stop.kernelTestLoss)] : []),
      ...(withAccuracy ? [accuracy === undefined ? '—' : percent(accuracy)] : []),
      stop.note,
    ];
  });
  return { stopsHeader, stops };
}

/** What to do, in one line: train to the chosen rule's stop (or the cap), or keep the network. */
function headlineOf(report: TwoStageReport): string {
  const { decision } = report;
  if (!decision.train) return 'Do not train: keep the network at initialisation';
  const chosen = report.stoppingRules.rules[decision.rule];
  const rule = ruleTitles[decision.rule];
  if (!chosen.capped) return `Train: ${counted(decision.steps, 'step')} of gradient descent, to ${rule}'s stop at t̂ = ${formatNumber(chosen.time)}`;
  const own = Number.isFinite(chosen.steps) ? `${formatCount(chosen.steps)} steps` : 't̂ = ∞';
  return `Train: ≥ ${counted(decision.steps, 'step')} of gradient descent, the cap (${rule}'s own stop, ${own}, lies past it)`;
}

function subtitleOf({ data, network }: TwoStageReport): string {
  const widths = network.hiddenWidths.length === 0 ? 'no hidden layer' : `hidden ${network.hiddenWidths.join('×')}`;
  return (
    `${formatCount(data.nTrain)} training and ${formatCount(data.nTest)} test rows, ${data.inputDim} inputs, ` +
    `${data.outputs} output${data.outputs === 1 ? '' : 's'} · ${network.activation} MLP, ${widths}, ` +
    `${network.parameterisation} parameterisation, ${formatCount(network.parameters)} parameters`
  );
}

/** The rule, its stop and the alternatives first, then the numbers a user reads, then the statistics behind them. */
function storyRows(report: TwoStageReport): [string, string][] {
  const interval = intervalLabel(report);
  return [
    ['Stage-2 rule used', chosenRuleLabel(report)],
    ['Alternatives', alternativesLabel(report)],
    ...metricsRows(report),
    ...(interval ? [['Prediction interval', interval] as [string, string]] : []),
    ...(report.kernelDrift ? [[report.kernelDrift.leftKernelRegime ? 'Kernel drift: the stop is approximate' : 'Kernel drift to the stop', report.kernelDrift.note] as [string, string]] : []),
  ];
}

function statisticsRows(report: TwoStageReport): [string, string][] {
  const { data, test, reml } = report;
  const errorNote = test.method === 'degenerate' ? 'exact' : `relative error ≈ ${formatNumber(test.relativeErrorEstimate, 2)}`;
  return [
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
    ['Every rule’s stop', stageTwoLabel(report.decision.rule, report.stoppingRules)],
    ['REML (the paper’s rule)', `${stopTimeLabel(report)}; outcome ${reml.outcome}`],
    ['Effective degrees of freedom (REML)', `${formatNumber(reml.edf)} of n = ${formatCount(data.nTrain)}`],
    ['Noise variance σ̂² (REML)', formatNumber(reml.noiseVariance)],
    [
      'Learning rate',
      `η = ${formatNumber(report.learningRate)}; largest stable 2/λ₁ = ${formatNumber(report.maxStableLearningRate)} ` +
        `(η is ${formatNumber((100 * report.learningRate) / report.maxStableLearningRate, 3)}% of it)`,
    ],
  ];
}

function runRows(report: TwoStageReport, run: RunDetails): [string, string][] {
  const { kernel, training } = report;
  return [
    [
      'Training',
      `${formatCount(training.steps)} steps; final half MSE train ${formatNumber(training.finalTrainLoss)}` +
        (training.finalTestLoss === undefined ? '' : `, test ${formatNumber(training.finalTestLoss)}`) +
        ' (standardised units)',
    ],
    ...(report.classification ? [['Accuracy (network at the stop)', accuracyLabel(report.classification)] as [string, string]] : []),
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
}

export function reportSummary(report: TwoStageReport, run: RunDetails = {}): ReportSummary {
  return {
    headline: headlineOf(report),
    train: report.decision.train,
    reason: report.decision.reason,
    subtitle: subtitleOf(report),
    rows: [...storyRows(report), ...statisticsRows(report), ...runRows(report, run)],
    ...stopsTable(report),
    confusion: confusionTables(report),
  };
}
