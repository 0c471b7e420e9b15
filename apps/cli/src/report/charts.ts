/**
 * The report's plots as Vega-Lite specs built from a `TwoStageReport`. Log axes cannot show 0 or non-finite values:
 * each chart drops them and says so in a note, so the rendered SVG never holds a NaN.
 */
import type { TwoStageReport } from './contract.js';
import type { ReportChart } from './chart-common.js';
import { lossCurvesChart } from './loss-chart.js';
import { remlChart } from './reml-chart.js';
import { ruleChart } from './rule-chart.js';
import { spectralLossChart, spectrumChart } from './spectrum-charts.js';

export type { ReportChart } from './chart-common.js';
export { lossCurvesChart } from './loss-chart.js';
export { remlChart, stopTimeLabel } from './reml-chart.js';
export { ruleChart } from './rule-chart.js';
export { spectralLossChart, spectrumChart } from './spectrum-charts.js';

/**
 * Every chart of the report, in reading order: the chosen rule's story first (its criterion and stop, the
 * alternatives' stops), then the loss curves, REML (the paper's rule; the rule chart itself when REML was chosen),
 * the spectrum and the spectral losses at the stop.
 */
export function reportCharts(report: TwoStageReport): ReportChart[] {
  const rule = report.decision.rule === 'reml' ? [remlChart(report)] : [ruleChart(report), remlChart(report)];
  const [first, ...rest] = rule;
  return [first!, lossCurvesChart(report), ...rest, spectrumChart(report), spectralLossChart(report)];
}
