/** REML, the paper's rule: the profile log-likelihood over t and Ψ(t) on one time axis, REML's stop marked on both. */
import type { TwoStageReport } from './contract.js';
import { axisNumberFormat, formatCount, formatNumber } from './format.js';
import { baseConfig, colours, droppedNote, fullWidth, positivePoints, ruleColours, SCHEMA, type LayerSpec, type ReportChart } from './chart-common.js';

/** REML's t̂ as the reader should see it: time and steps, "≥ N steps, the cap" when capped. */
export function stopTimeLabel(report: TwoStageReport): string {
  const reml = report.stoppingRules.rules.reml;
  if (reml.outcome === 'infinite') return reml.capped ? `t̂ = ∞ (≥ ${formatCount(reml.stopSteps)} steps, the cap)` : 't̂ = ∞';
  const steps = reml.capped ? `≥ ${formatCount(reml.stopSteps)} steps, the cap; its own stop ${formatCount(reml.steps)}` : `${formatCount(reml.steps)} steps`;
  return `t̂ = ${formatNumber(reml.time)} (${steps})`;
}

/** Where to draw REML's stop on a time axis: t̂, or the cap's time when capped; nothing at t̂ = 0. */
function stopTimeMark(report: TwoStageReport): number | undefined {
  const reml = report.stoppingRules.rules.reml;
  if (reml.capped) return reml.stopSteps * report.learningRate;
  return reml.time > 0 && Number.isFinite(reml.time) ? reml.time : undefined;
}

/**
 * The log-likelihood range worth showing: from a little above the maximum down to three times the rise from the
 * first grid point (at least 10 units), so the peak is not flattened by the steep fall at large t.
 */
function likelihoodWindow(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const top = Math.max(...values);
  const depth = Math.max(10, 3 * (top - values[0]!));
  const bottom = Math.max(top - depth, Math.min(...values));
  return [bottom, top + 0.05 * (top - bottom)];
}

/**
 * Ψ is typically large early and slightly negative late: when both signs occur and one side is over 20 times the
 * other, a symmetric log scale (linear within the smaller side's size) shows both.
 */
function psiScaleFor(values: number[]): { type: 'linear' } | { type: 'symlog'; constant: number } {
  const positive = Math.max(0, ...values);
  const negative = Math.max(0, ...values.map((v) => -v));
  const small = Math.min(positive, negative);
  if (small === 0 || Math.max(positive, negative) < 20 * small) return { type: 'linear' };
  return { type: 'symlog', constant: small / 3 };
}

type TimeAxis = ReturnType<typeof timeAxisFor>;

function timeAxisFor(times: number[]) {
  const domain = [Math.min(...times), Math.max(...times)];
  return { field: 'time', type: 'quantitative' as const, title: 'training time t = η · steps', scale: { type: 'log' as const, domain }, axis: { format: axisNumberFormat(domain) } };
}

/** The dashed rule at REML's stop, with its label on the top panel. */
function markLayers(report: TwoStageReport, mark: number | undefined, timeAxis: TimeAxis, showLabel: boolean): LayerSpec[] {
  if (mark === undefined) return [];
  const values = [{ time: mark, label: stopTimeLabel(report) }];
  const rule: LayerSpec = { data: { values }, mark: { type: 'rule', color: ruleColours.reml, strokeWidth: 1.5, strokeDash: [2, 2] }, encoding: { x: timeAxis } };
  const label: LayerSpec = {
    data: { values },
    mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 4, fontWeight: 'bold', color: ruleColours.reml },
    encoding: { x: timeAxis, text: { field: 'label', type: 'nominal' } },
  };
  return showLabel ? [rule, label] : [rule];
}

/** Ψ(t) shaded green above 0 (keep training) and red below (over-fitted). */
function psiLayers(decorrelation: { time: number; psi: number }[], timeAxis: TimeAxis): LayerSpec[] {
  const psiScale = psiScaleFor(decorrelation.map((p) => p.psi));
  const psiSides = decorrelation.map((p) => ({ time: p.time, keep: Math.max(p.psi, 0), over: Math.min(p.psi, 0) }));
  return [
    { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#999999' }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
    ...(['keep', 'over'] as const).map(
      (side): LayerSpec => ({
        data: { values: psiSides },
        mark: { type: 'area', opacity: 0.2, color: side === 'keep' ? colours.signal : ruleColours.reml },
        encoding: { x: timeAxis, y: { field: side, type: 'quantitative', scale: psiScale }, y2: { datum: 0 } },
      }),
    ),
    {
      data: { values: decorrelation },
      mark: { type: 'line', color: colours.neutral, strokeWidth: 2 },
      encoding: {
        x: timeAxis,
        y: {
          field: 'psi',
          type: 'quantitative',
          title: psiScale.type === 'symlog' ? 'Ψ(t)  (symmetric log)' : 'Ψ(t)',
          scale: psiScale,
          axis: { tickCount: 5, format: axisNumberFormat(decorrelation.map((p) => p.psi)) },
        },
      },
    },
  ];
}

function remlNotes(report: TwoStageReport, mark: number | undefined): string[] {
  const { outcome } = report.stoppingRules.rules.reml;
  if (outcome === 'zero') return ['t̂ = 0: the likelihood is largest at t = 0 and Ψ(0) ≤ 0, so no time is marked (t = 0 is off a log axis).'];
  if (outcome === 'infinite') {
    return ['t̂ = ∞: the likelihood rises without bound and Ψ stays positive' + (mark === undefined ? '.' : `; the rule marks the step cap (t = ${formatNumber(mark)}).`)];
  }
  return [];
}

/** The profile log-likelihood over t (top) and Ψ(t) (bottom) on one time axis, REML's stop marked on both. */
export function remlChart(report: TwoStageReport): ReportChart {
  const profile = positivePoints(report.reml.profile, (p) => p.time).kept.filter((p) => Number.isFinite(p.logLikelihood));
  const decorrelation = positivePoints(report.decorrelation, (p) => p.time).kept.filter((p) => Number.isFinite(p.psi));
  const mark = stopTimeMark(report);
  const notes = [
    ...droppedNote(report.reml.profile.length - profile.length, 'profile point', 't ≤ 0 or not finite: the time axis is logarithmic'),
    ...droppedNote(report.decorrelation.length - decorrelation.length, 'Ψ value', 't ≤ 0 or not finite'),
    ...remlNotes(report, mark),
  ];
  const chosen = report.decision.rule === 'reml';
  const title = chosen ? 'REML, the rule used: likelihood and Ψ' : 'REML, the paper’s rule (an alternative here)';
  if (profile.length === 0 && decorrelation.length === 0) return { id: 'reml', title, caption: 'No profile likelihood was recorded.', notes };
  const likelihoodRange = likelihoodWindow(profile.map((p) => p.logLikelihood));
  if (profile.some((p) => p.logLikelihood < likelihoodRange[0])) {
    notes.push(`The profile falls below the plotted range at large t (to ${formatNumber(Math.min(...profile.map((p) => p.logLikelihood)))}).`);
  }
  const timeAxis = timeAxisFor([...profile.map((p) => p.time), ...decorrelation.map((p) => p.time), ...(mark === undefined ? [] : [mark])]);
  const likelihood: LayerSpec = {
    data: { values: profile },
    mark: { type: 'line', color: colours.neutral, strokeWidth: 2, clip: true, point: { size: 12, color: colours.neutral } },
    encoding: {
      x: { ...timeAxis, axis: { ...timeAxis.axis, title: null } },
      y: { field: 'logLikelihood', type: 'quantitative', title: 'profile log-likelihood', scale: { domain: likelihoodRange }, axis: { format: axisNumberFormat(likelihoodRange) } },
    },
  };
  return {
    id: 'reml',
    title,
    caption:
      'Top: the profile (restricted) log-likelihood of the training time t; REML’s t̂ is its maximum. Bottom: the spectral ' +
      'loss decorrelation Ψ(t); Ψ > 0 means the high-eigenvalue directions still carry more loss (keep training), ' +
      'Ψ < 0 that they are over-fitted. Ψ(t̂) = 0.',
    notes,
    spec: {
      $schema: SCHEMA,
      config: baseConfig,
      vconcat: [
        { width: fullWidth, height: 220, layer: [likelihood, ...markLayers(report, mark, timeAxis, true)] },
        { width: fullWidth, height: 160, layer: [...psiLayers(decorrelation, timeAxis), ...markLayers(report, mark, timeAxis, false)] },
      ],
    },
  };
}
