/** The chosen stage-2 rule's story: its criterion against steps, the test curve beside it, its stop and the alternatives'. */
import type { StopPoint, TwoStageReport } from './contract.js';
import { axisNumberFormat, formatNumber, stopStepsLabel } from './format.js';
import { baseConfig, colours, droppedNote, fullWidth, positivePoints, ruleColours, SCHEMA, stepAxis, type LayerSpec, type ReportChart } from './chart-common.js';
import { stopLayers, stopsForPlot } from './loss-chart.js';

type RuleName = TwoStageReport['decision']['rule'];
const STAGE_TWO: readonly RuleName[] = ['loo', 'reml', 'gcv'];

export const ruleTitles: Record<RuleName, string> = { loo: 'leave-one-out (LOO)', reml: 'REML', gcv: 'GCV' };

/** What the chart's y axis shows for each rule: LOO and GCV estimate the out-of-sample loss; REML is a likelihood. */
const criterionTitles: Record<RuleName, string> = {
  loo: 'estimated out-of-sample loss ½·LOO(t)',
  gcv: 'estimated out-of-sample loss ½·GCV(t)',
  reml: 'profile log-likelihood ℓ_R(t)',
};

/** The estimated extra out-of-sample loss (LOO) of stopping where `other` does instead of where the chosen rule does. */
export function estimatedCost(report: TwoStageReport, other: RuleName): number {
  const { looLossAt } = report.stoppingRules;
  return looLossAt[other] / looLossAt[report.decision.rule] - 1;
}

/** "+12%", "−3.0%", "±0%": an estimated cost in words. */
export function costText(cost: number): string {
  if (!Number.isFinite(cost)) return '—';
  if (Math.abs(cost) < 0.0005) return '±0%';
  const percent = Math.abs(cost) < 0.1 ? (100 * Math.abs(cost)).toFixed(1) : (100 * Math.abs(cost)).toFixed(0);
  return `${cost > 0 ? '+' : '−'}${percent}%`;
}

interface CriterionPoint {
  step: number;
  value: number;
  series: string;
}

/** The rule's criterion as the chart plots it, up to a step range that shows its minimum and the curves. */
function criterionSeries(report: TwoStageReport, lastStep: number): CriterionPoint[] {
  const { rule } = report.decision;
  const series = rule === 'reml' ? 'REML profile' : `${ruleTitles[rule]} estimate`;
  return report.stoppingRules.rules[rule].curve
    .filter((p) => p.step <= lastStep)
    .map((p) => ({ step: p.step, value: rule === 'reml' ? -p.value : p.value / 2, series }));
}

/** The test curve beside an estimate of it: the network where measured, the kernel model's prediction elsewhere. */
function testSeries(report: TwoStageReport): CriterionPoint[] {
  return report.curves.flatMap((c) => [
    ...(c.testLoss === undefined ? [] : [{ step: c.step, value: c.testLoss, series: 'test loss (network)' }]),
    ...(c.kernelTestLoss === undefined ? [] : [{ step: c.step, value: c.kernelTestLoss, series: 'test loss (kernel model)' }]),
  ]);
}

function criterionLayer(points: CriterionPoint[], rule: RuleName, lastStep: number): LayerSpec {
  const domain = [...new Set(points.map((p) => p.series))];
  const colourOf = (series: string) => (series.startsWith('test') ? colours.test : ruleColours[rule]);
  return {
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: stepAxis(lastStep),
      y: {
        field: 'value',
        type: 'quantitative',
        title: criterionTitles[rule],
        scale: rule === 'reml' ? { zero: false } : { type: 'log', nice: false, padding: 8 },
        axis: { tickCount: 6, format: axisNumberFormat(points.map((p) => p.value)) },
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain, range: domain.map(colourOf) }, legend: { labelLimit: 400 } },
      // One legend: the dashes follow the series the colour legend already names.
      strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain, range: domain.map((s) => (s.includes('kernel') ? [6, 4] : [1, 0])) } },
    },
  };
}

/** The three rules' stops; on LOO's and GCV's charts each alternative's label carries its estimated cost. */
function ruleStops(report: TwoStageReport): StopPoint[] {
  return report.stops.filter((s) => (STAGE_TWO as readonly string[]).includes(s.rule) && Number.isFinite(s.steps));
}

/**
 * The chosen rule up top: its criterion against steps (for LOO and GCV an estimate of the test loss, drawn with the
 * test curve itself), its stop, and the other rules' stops labelled with their estimated cost against it.
 */
export function ruleChart(report: TwoStageReport): ReportChart {
  const { rule } = report.decision;
  const chosen = report.stoppingRules.rules[rule];
  const stops = ruleStops(report);
  const recorded = report.curves.at(-1)?.step ?? 0;
  const lastStep = Math.max(recorded, ...stops.map((s) => s.steps), 1);
  const withTest = rule === 'reml' ? [] : testSeries(report);
  const all = [...criterionSeries(report, lastStep), ...withTest];
  const plotted = rule === 'reml' ? { kept: all.filter((p) => Number.isFinite(p.value)), dropped: 0 } : positivePoints(all, (p) => p.value);
  const title = `Where ${ruleTitles[rule]} stops: ${chosen.outcome === 'zero' ? 'at 0 steps' : stopStepsLabel(chosen.stopSteps, chosen.capped)}`;
  const notes = [
    ...droppedNote(all.length - plotted.kept.length, 'value', 'zero or not finite: the axis is logarithmic'),
    ...(chosen.capped ? [`The rule's own stop (${formatNumber(chosen.steps)} steps) lies past the step cap: training stopped at the cap.`] : []),
    ...(report.data.nTest === 0 || rule === 'reml' ? [] : ['The test curve is for judging the estimate: the rule never sees it.']),
  ];
  if (plotted.kept.length === 0) return { id: 'rule', title, caption: 'The rule’s criterion was not recorded.', notes };
  // On REML's likelihood axis a test loss has no place: its stops carry no marker on the curve.
  const marked = rule === 'reml' ? stops.map(({ rule: r, steps, capped }) => ({ rule: r, steps, capped })) : stops;
  const suffix = (stop: Pick<StopPoint, 'rule'>) => (stop.rule === rule || rule === 'reml' ? '' : ` (${costText(estimatedCost(report, stop.rule as RuleName))})`);
  return {
    id: 'rule',
    title,
    caption:
      rule === 'reml'
        ? 'The profile (restricted) log-likelihood of the random-effects model against training steps; REML stops at its maximum. Other rules’ stops are marked.'
        : `${criterionTitles[rule]} from the training data alone, against training steps, beside the test loss it estimates; ` +
          `${ruleTitles[rule]} stops at its minimum. The other rules' stops are marked with the estimated extra out-of-sample loss (LOO) of stopping there.`,
    notes,
    spec: { $schema: SCHEMA, width: fullWidth, height: 300, config: baseConfig, layer: [criterionLayer(plotted.kept, rule, lastStep), ...stopLayers(stopsForPlot(marked, lastStep, suffix))] },
  };
}
