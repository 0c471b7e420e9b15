/** The report's numbers in words: each model's quality in the target's units, the interval, the rules' alternatives. */
import type { TwoStageReport } from './contract.js';
import { costText, estimatedCost, ruleTitles } from './rule-chart.js';
import { formatNumber, stopStepsLabel } from './format.js';

type Metrics = NonNullable<TwoStageReport['metrics']>;
type ModelNumbers = Metrics['network'];
type Judged = NonNullable<ModelNumbers['test']>;

/** An accuracy or a coverage as a percentage with one decimal. */
export function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

/** One set of rows' numbers: "RMSE 3.05, MAE 2.49, R² 0.55" or "accuracy 57.5%, log-loss 0.897". */
function judgedText(m: Judged): string {
  if ('rmse' in m) return `RMSE ${formatNumber(m.rmse)}, MAE ${formatNumber(m.mae)}, R² ${formatNumber(m.r2, 3)}`;
  return `accuracy ${percent(m.accuracy)}, log-loss ${formatNumber(m.logLoss, 3)}`;
}

/** A model's numbers on the test rows (and the training rows): "test RMSE …; train RMSE …". */
export function modelNumbersText(model: ModelNumbers): string {
  const parts = [...(model.test ? [`test ${judgedText(model.test)}`] : []), ...(model.train ? [`train ${judgedText(model.train)}`] : [])];
  return parts.length === 0 ? '—' : parts.join('; ');
}

/** Rows naming which model each number is of, and its units: the network at the stop first, then the kernel model. */
export function metricsRows(report: TwoStageReport): [string, string][] {
  const m = report.metrics;
  if (!m) return [];
  const units = m.kind === 'regression' ? ` (${m.units})` : '';
  return [
    [`${capitalised(m.network.label)}`, `${modelNumbersText(m.network)}${units}`],
    [`${capitalised(m.kernel.label)}`, `${modelNumbersText(m.kernel)}${units}`],
  ];
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The prediction interval in words: level, half-width in the target's units, coverage on the test rows. */
export function intervalLabel(report: TwoStageReport): string | undefined {
  const i = report.interval;
  if (!i) return undefined;
  const units = report.metrics?.units ?? 'standardised units';
  const width = `network prediction ± ${formatNumber(i.halfWidth)} (${units})`;
  const level = `${formatNumber(100 * i.level)}%`;
  if (i.coverage === undefined) return `${level}: ${width}; no test rows to measure its coverage`;
  const kernel = i.kernelCoverage === undefined ? '' : `; around the kernel model: ${percent(i.kernelCoverage)}`;
  return `${level}: ${width}, covers ${percent(i.coverage)} of ${i.testRows} test rows${kernel}`;
}

/** The chosen rule's stop: its steps ("≥ N steps, the cap" when capped), t̂ and outcome. */
export function chosenRuleLabel(report: TwoStageReport): string {
  const { rule } = report.decision;
  const chosen = report.stoppingRules.rules[rule];
  const stop = stopStepsLabel(chosen.stopSteps, chosen.capped);
  const own = chosen.capped ? `; its own stop ${Number.isFinite(chosen.steps) ? `${formatNumber(chosen.steps)} steps` : 'never (t̂ = ∞)'}` : '';
  return `${ruleTitles[rule]}: ${stop} (t̂ = ${formatNumber(chosen.time)}, ${chosen.outcome}${own})`;
}

/** The other rules as alternatives: their stops and the estimated out-of-sample loss of stopping there instead. */
export function alternativesLabel(report: TwoStageReport): string {
  const { rule } = report.decision;
  const rules = report.stoppingRules.rules;
  const others = (Object.keys(rules) as (keyof typeof rules)[]).filter((r) => r !== rule);
  const texts = others.map((r) => `${ruleTitles[r]} ${stopStepsLabel(rules[r].stopSteps, rules[r].capped)} (${costText(estimatedCost(report, r))})`);
  return `${texts.join(', ')}: estimated out-of-sample loss (LOO) against ${ruleTitles[rule]}'s stop`;
}
