/**
 * The report's plots as Vega-Lite specs built from a `TwoStageReport`. Log axes cannot show 0 or non-finite values:
 * each chart drops them and says so in a note, so the rendered SVG never holds a NaN.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { StopPoint, StoppingRule, TwoStageReport } from './contract.js';
import { axisNumberFormat, formatCount, formatNumber } from './format.js';

export interface ReportChart {
  /** Stable element id (the page's tests look for it). */
  id: string;
  title: string;
  /** What the reader should look for, in a sentence or two. */
  caption: string;
  /** Absent when there is nothing to plot; `notes` then say why. */
  spec?: TopLevelSpec;
  /** What was left out and why (zeros on a log axis, a missing test set). */
  notes: string[];
}

const fullWidth = 900;
const halfWidth = 400;

const colours = {
  train: '#1f77b4',
  test: '#e6550d',
  signal: '#2ca02c',
  neutral: '#555555',
} as const;

const ruleColours: Record<StoppingRule, string> = {
  reml: '#d62728',
  loo: '#17becf',
  gcv: '#9467bd',
  oracle: '#2ca02c',
  validation: '#8c564b',
  fixed: '#7f7f7f',
};

const ruleLabels: Record<StoppingRule, string> = {
  reml: 'REML',
  loo: 'LOO',
  gcv: 'GCV',
  oracle: 'oracle',
  validation: 'validation',
  fixed: 'fixed',
};

const baseConfig = {
  font: 'system-ui, -apple-system, Segoe UI, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' },
  view: { stroke: '#dddddd' },
} as const;

/** Keeps the points whose named values are all finite and > 0; `dropped` counts the rest. */
function positivePoints<T>(points: T[], ...values: ((point: T) => number)[]): { kept: T[]; dropped: number } {
  const kept = points.filter((point) => values.every((value) => value(point) > 0 && Number.isFinite(value(point))));
  return { kept, dropped: points.length - kept.length };
}

/** "3 eigenvalues are not shown (why)." — `what` is the singular noun, made plural with an s. */
function droppedNote(dropped: number, what: string, why: string): string[] {
  if (dropped === 0) return [];
  return [`${formatCount(dropped)} ${dropped === 1 ? `${what} is` : `${what}s are`} not shown (${why}).`];
}

/** t̂ as the reader should see it: time and steps. */
export function stopTimeLabel(report: TwoStageReport): string {
  const { reml, decision, learningRate } = report;
  if (reml.outcome === 'infinite') {
    return decision.cappedAt === undefined ? 't̂ = ∞' : `t̂ = ∞ (capped at ${formatCount(decision.cappedAt)} steps)`;
  }
  return `t̂ = ${formatNumber(reml.time)} (${formatCount(reml.time / learningRate)} steps)`;
}

/** Where to draw t̂ on a time axis: t̂ itself, the capped time when t̂ = ∞, nothing at t̂ = 0. */
function stopTimeMark(report: TwoStageReport): number | undefined {
  const { reml, decision, learningRate } = report;
  if (reml.outcome === 'infinite') return decision.cappedAt === undefined ? undefined : decision.cappedAt * learningRate;
  return reml.time > 0 && Number.isFinite(reml.time) ? reml.time : undefined;
}

/** Train/test losses of the network and of the kernel model against steps, with every rule's stop. */
export function lossCurvesChart(report: TwoStageReport): ReportChart {
  const series = report.curves.flatMap((point) => [
    ...(point.trainLoss === undefined ? [] : [{ step: point.step, loss: point.trainLoss, split: 'train', model: 'network' }]),
    { step: point.step, loss: point.kernelTrainLoss, split: 'train', model: 'kernel' },
    ...(point.testLoss === undefined ? [] : [{ step: point.step, loss: point.testLoss, split: 'test', model: 'network' }]),
    ...(point.kernelTestLoss === undefined
      ? []
      : [{ step: point.step, loss: point.kernelTestLoss, split: 'test', model: 'kernel' }]),
    { step: point.step, loss: point.looLoss, split: 'test', model: 'LOO estimate' },
  ]);
  const lines = positivePoints(series, (p) => p.loss);
  const stops = report.stops.filter((stop) => Number.isFinite(stop.steps) && stop.steps >= 0);
  const notes = [
    ...droppedNote(lines.dropped, 'loss value', 'zero or not finite: the loss axis is logarithmic'),
    ...droppedNote(report.stops.length - stops.length, 'stop', 'no finite step count'),
    ...(report.data.nTest === 0 ? ['No test data: only training losses are shown, and there is no oracle stop.'] : []),
  ];
  if (lines.kept.length === 0) {
    return { id: 'loss-curves', title: 'Loss curves', caption: 'No loss curves were recorded.', notes };
  }
  const lastStep = Math.max(...lines.kept.map((p) => p.step), ...stops.map((stop) => stop.steps));
  const stopMarks = stopsForPlot(stops, lastStep);
  const splitDomain = [...new Set(lines.kept.map((p) => p.split))];
  return {
    id: 'loss-curves',
    title: 'Loss curves: the network beside its kernel model',
    caption:
      `Solid lines: the real network, measured (trained to step ${report.training.trainedTo}). ` +
      'Dashed: the linearised (kernel) model, predicted before training; past the trained steps it is the prediction alone. ' +
      'Dotted: the exact leave-one-out estimate of the out-of-sample loss, from the training data alone (no test set). ' +
      'Vertical rules: where each stopping rule stops (the step axis is linear below 1, logarithmic above).',
    notes,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: fullWidth,
      height: 360,
      config: baseConfig,
      layer: [
        {
          data: { values: lines.kept },
          mark: { type: 'line', strokeWidth: 2, clip: true },
          encoding: {
            x: {
              field: 'step',
              type: 'quantitative',
              title: 'gradient-descent steps',
              scale: { type: 'symlog' },
              axis: { values: stepTicks(lastStep), format: ',d' },
            },
            y: {
              field: 'loss',
              type: 'quantitative',
              title: 'loss  (1/2n)‖f − y‖²',
              scale: { type: 'log', nice: false, padding: 8 },
              axis: { tickCount: 6, format: axisNumberFormat(lines.kept.map((p) => p.loss)) },
            },
            color: {
              field: 'split',
              type: 'nominal',
              title: 'data',
              scale: { domain: splitDomain, range: splitDomain.map((split) => (split === 'train' ? colours.train : colours.test)) },
            },
            strokeDash: {
              field: 'model',
              type: 'nominal',
              title: 'model',
              scale: { domain: ['network', 'kernel', 'LOO estimate'], range: [[1, 0], [6, 4], [1, 3]] },
            },
            detail: { field: 'model' },
          },
        },
        ...stopLayers(stopMarks),
      ],
    },
  };
}

/** 0, 1, 2, 5, 10, 20, 50, … up to the first value ≥ `last` (symlog's own ticks are linear). */
function stepTicks(last: number): number[] {
  const ticks = [0];
  for (let decade = 1; ticks.at(-1)! < last; decade *= 10) ticks.push(decade, 2 * decade, 5 * decade);
  return ticks.filter((tick) => tick <= last * 1.5 || tick === 0);
}

interface StopMark {
  step: number;
  label: string;
  colour: string;
  /** The label's pixel position from the top of the plot (rows, so labels of nearby stops do not overlap). */
  labelY: number;
  /** The label sits left of its rule (it would run past the plot's right edge). */
  flip: boolean;
  /** The test loss at the stop (measured, else predicted), for a marker on the curve. */
  testLoss?: number;
}

/**
 * Stops sorted by step, each label on the highest row where it does not run into the previous label (positions
 * estimated on the symlog axis, about 6.5 px per character of 11 px bold text).
 */
function stopsForPlot(stops: StopPoint[], lastStep: number): StopMark[] {
  const pixelOf = (step: number) => (fullWidth * Math.log1p(step)) / Math.log1p(Math.max(lastStep, 1));
  const rowEnds: number[] = [];
  return [...stops]
    .sort((a, b) => a.steps - b.steps)
    .map((stop) => {
      const label = `${ruleLabels[stop.rule]} ${formatCount(stop.steps)}`;
      const width = 8 + 6.5 * label.length;
      const flip = pixelOf(stop.steps) + width > fullWidth;
      const start = flip ? pixelOf(stop.steps) - width : pixelOf(stop.steps);
      const free = rowEnds.findIndex((end) => end < start);
      const row = free === -1 ? rowEnds.length : free;
      rowEnds[row] = start + width;
      const testLoss = stop.testLoss ?? stop.kernelTestLoss;
      return {
        step: stop.steps,
        label,
        colour: ruleColours[stop.rule],
        labelY: 4 + 14 * row,
        flip,
        ...(testLoss !== undefined && testLoss > 0 && Number.isFinite(testLoss) ? { testLoss } : {}),
      };
    });
}

function stopLayers(marks: StopMark[]): NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> {
  if (marks.length === 0) return [];
  const withLoss = marks.filter((mark) => mark.testLoss !== undefined);
  return [
    {
      data: { values: marks },
      mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [2, 2] },
      encoding: { x: { field: 'step', type: 'quantitative' }, color: { field: 'colour', type: 'nominal', scale: null } },
    },
    ...[false, true].flatMap((flip) => {
      const labels = marks.filter((mark) => mark.flip === flip);
      return labels.length === 0
        ? []
        : [
            {
              data: { values: labels },
              mark: {
                type: 'text' as const,
                align: flip ? ('right' as const) : ('left' as const),
                baseline: 'top' as const,
                dx: flip ? -4 : 4,
                fontSize: 11,
                fontWeight: 'bold' as const,
              },
              encoding: {
                x: { field: 'step', type: 'quantitative' as const },
                y: { field: 'labelY', type: 'quantitative' as const, scale: null },
                text: { field: 'label', type: 'nominal' as const },
                color: { field: 'colour', type: 'nominal' as const, scale: null },
              },
            },
          ];
    }),
    ...(withLoss.length === 0
      ? []
      : [
          {
            data: { values: withLoss },
            mark: { type: 'point' as const, shape: 'diamond', filled: true, size: 70, stroke: 'white', strokeWidth: 1 },
            encoding: {
              x: { field: 'step', type: 'quantitative' as const },
              y: { field: 'testLoss', type: 'quantitative' as const },
              color: { field: 'colour', type: 'nominal' as const, scale: null },
            },
          },
        ]),
  ];
}

/** The profile log-likelihood over t (top) and Ψ(t) (bottom) on one time axis, t̂ marked on both. */
export function remlChart(report: TwoStageReport): ReportChart {
  const profile = positivePoints(report.reml.profile, (p) => p.time).kept.filter((p) => Number.isFinite(p.logLikelihood));
  const decorrelation = positivePoints(report.decorrelation, (p) => p.time).kept.filter((p) => Number.isFinite(p.psi));
  const notes = [
    ...droppedNote(report.reml.profile.length - profile.length, 'profile point', 't ≤ 0 or not finite: the time axis is logarithmic'),
    ...droppedNote(report.decorrelation.length - decorrelation.length, 'Ψ value', 't ≤ 0 or not finite'),
  ];
  const mark = stopTimeMark(report);
  if (report.reml.outcome === 'zero') {
    notes.push('t̂ = 0: the likelihood is largest at t = 0 and Ψ(0) ≤ 0, so no time is marked (t = 0 is off a log axis).');
  } else if (report.reml.outcome === 'infinite') {
    notes.push(
      't̂ = ∞: the likelihood rises without bound and Ψ stays positive' +
        (mark === undefined ? '.' : `; the rule marks the step cap (t = ${formatNumber(mark)}).`),
    );
  }
  if (profile.length === 0 && decorrelation.length === 0) {
    return { id: 'reml', title: 'REML stopping time', caption: 'No profile likelihood was recorded.', notes };
  }
  const psiScale = psiScaleFor(decorrelation.map((p) => p.psi));
  // Ψ > 0 shaded green (keep training), Ψ < 0 red (over-fitted).
  const psiSides = decorrelation.map((p) => ({ time: p.time, keep: Math.max(p.psi, 0), over: Math.min(p.psi, 0) }));
  const likelihoodRange = likelihoodWindow(profile.map((p) => p.logLikelihood));
  if (profile.some((p) => p.logLikelihood < likelihoodRange[0])) {
    notes.push(`The profile falls below the plotted range at large t (to ${formatNumber(Math.min(...profile.map((p) => p.logLikelihood)))}).`);
  }
  const times = [...profile.map((p) => p.time), ...decorrelation.map((p) => p.time), ...(mark === undefined ? [] : [mark])];
  const timeScale = { type: 'log' as const, domain: [Math.min(...times), Math.max(...times)] };
  const timeAxis = {
    field: 'time',
    type: 'quantitative' as const,
    title: 'training time t = η · steps',
    scale: timeScale,
    axis: { format: axisNumberFormat(timeScale.domain) },
  };
  const markLayers = (showLabel: boolean) =>
    mark === undefined
      ? []
      : [
          {
            data: { values: [{ time: mark, label: stopTimeLabel(report) }] },
            mark: { type: 'rule' as const, color: ruleColours.reml, strokeWidth: 1.5, strokeDash: [2, 2] },
            encoding: { x: timeAxis },
          },
          ...(showLabel
            ? [
                {
                  data: { values: [{ time: mark, label: stopTimeLabel(report) }] },
                  mark: {
                    type: 'text' as const,
                    align: 'left' as const,
                    baseline: 'top' as const,
                    dx: 4,
                    y: 4,
                    fontWeight: 'bold' as const,
                    color: ruleColours.reml,
                  },
                  encoding: { x: timeAxis, text: { field: 'label', type: 'nominal' as const } },
                },
              ]
            : []),
        ];
  return {
    id: 'reml',
    title: 'Where REML stops',
    caption:
      'Top: the profile (restricted) log-likelihood of the training time t; t̂ is its maximum. Bottom: the spectral ' +
      'loss decorrelation Ψ(t); Ψ > 0 means the high-eigenvalue directions still carry more loss (keep training), ' +
      'Ψ < 0 that they are over-fitted. Ψ(t̂) = 0.',
    notes,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: baseConfig,
      vconcat: [
        {
          width: fullWidth,
          height: 220,
          layer: [
            {
              data: { values: profile },
              mark: { type: 'line', color: colours.neutral, strokeWidth: 2, clip: true, point: { size: 12, color: colours.neutral } },
              encoding: {
                x: { ...timeAxis, axis: { ...timeAxis.axis, title: null } },
                y: { field: 'logLikelihood', type: 'quantitative', title: 'profile log-likelihood', scale: { domain: likelihoodRange }, axis: { format: axisNumberFormat(likelihoodRange) } },
              },
            },
            ...markLayers(true),
          ],
        },
        {
          width: fullWidth,
          height: 160,
          layer: [
            {
              data: { values: [{ zero: 0 }] },
              mark: { type: 'rule', color: '#999999' },
              encoding: { y: { field: 'zero', type: 'quantitative' } },
            },
            ...(['keep', 'over'] as const).map((side) => ({
              data: { values: psiSides },
              mark: { type: 'area' as const, opacity: 0.2, color: side === 'keep' ? colours.signal : ruleColours.reml },
              encoding: { x: timeAxis, y: { field: side, type: 'quantitative' as const, scale: psiScale }, y2: { datum: 0 } },
            })),
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
            ...markLayers(false),
          ],
        },
      ],
    },
  };
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

/** The kernel's eigenvalues by index, with their mean and (when near) the learning rate's stability limit. */
export function spectrumChart(report: TwoStageReport): ReportChart {
  const eigenvalues = report.kernel.eigenvalues.map((lambda, i) => ({ index: i + 1, lambda }));
  const { kept, dropped } = positivePoints(eigenvalues, (p) => p.lambda);
  const notes = droppedNote(dropped, 'eigenvalue', 'zero (clipped rounding) or not finite: the axis is logarithmic');
  if (kept.length === 0) return { id: 'spectrum', title: 'Kernel spectrum', caption: 'The kernel has no positive eigenvalue.', notes };
  const lambdaMax = Math.max(...kept.map((p) => p.lambda));
  const lambdaMean = report.kernel.eigenvalues.reduce((total, lambda) => total + lambda, 0) / report.kernel.eigenvalues.length;
  const stabilityLimit = 2 / report.learningRate;
  // Draw 2/η only when it is near the spectrum; far above it would squash the eigenvalues into the bottom.
  const showLimit = stabilityLimit <= 10 * lambdaMax;
  const levels = [
    { lambda: lambdaMean, label: `mean λ̄ = ${formatNumber(lambdaMean, 3)}`, colour: colours.neutral },
    ...(showLimit ? [{ lambda: stabilityLimit, label: `2/η = ${formatNumber(stabilityLimit, 3)}: GD diverges above`, colour: ruleColours.reml }] : []),
  ];
  if (!showLimit) {
    notes.push(`η·λ₁ = ${formatNumber(report.learningRate * lambdaMax, 3)}: far below the stability limit 2 (line not drawn).`);
  }
  return {
    id: 'spectrum',
    title: 'Kernel spectrum',
    caption: `The ${formatCount(report.kernel.eigenvalues.length)} eigenvalues of the ${report.kernel.source} NTK Θ, largest first (log–log).`,
    notes,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: halfWidth,
      height: 260,
      config: baseConfig,
      layer: [
        {
          data: { values: kept },
          mark: { type: 'line', color: colours.train, strokeWidth: 2, point: { size: 10, color: colours.train } },
          encoding: {
            x: { field: 'index', type: 'quantitative', title: 'index i', scale: { type: 'log' }, axis: { format: axisNumberFormat(kept.map((p) => p.index)) } },
            y: { field: 'lambda', type: 'quantitative', title: 'eigenvalue λᵢ', scale: { type: 'log' }, axis: { format: axisNumberFormat(kept.map((p) => p.lambda)) } },
          },
        },
        {
          data: { values: levels },
          mark: { type: 'rule', strokeDash: [4, 3] },
          encoding: { y: { field: 'lambda', type: 'quantitative' }, color: { field: 'colour', type: 'nominal', scale: null } },
        },
        {
          data: { values: levels },
          mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, x: halfWidth - 4, fontSize: 11 },
          encoding: {
            y: { field: 'lambda', type: 'quantitative' },
            text: { field: 'label' },
            color: { field: 'colour', type: 'nominal', scale: null },
          },
        },
      ],
    },
  };
}

/** ℓᵢ(t̂) against λᵢ, with the mean loss per band of eigenvalues: flat at t̂ (Ψ(t̂) = 0). */
export function spectralLossChart(report: TwoStageReport): ReportChart {
  const points = report.spectralLossesAtStop.map((loss, i) => ({ lambda: report.kernel.eigenvalues[i] ?? 0, loss }));
  const { kept, dropped } = positivePoints(points, (p) => p.lambda, (p) => p.loss);
  const notes = droppedNote(dropped, 'direction', 'zero eigenvalue or zero loss: both axes are logarithmic');
  const title = `Spectral losses at the REML stop (${stopTimeLabel(report)})`;
  if (kept.length === 0) {
    return { id: 'spectral-losses', title, caption: 'Every direction with λ > 0 has zero loss at t̂: nothing to plot.', notes };
  }
  const lambdaMean = report.kernel.eigenvalues.reduce((total, lambda) => total + lambda, 0) / report.kernel.eigenvalues.length;
  return {
    id: 'spectral-losses',
    title,
    caption:
      'Each dot is one eigen-direction of the kernel: its remaining loss ℓᵢ(t̂) = cᵢ² exp(−t̂ λᵢ) against λᵢ. ' +
      'The line is the mean loss in bands of λ. ' +
      (report.reml.outcome === 'zero'
        ? 'Here t̂ = 0: even before training the high-λ directions carry no more loss than the rest, so there is nothing for training to pick up first.'
        : 'At t̂ the high-λ directions no longer carry more loss than the rest (Ψ(t̂) = 0): training further would fit noise.'),
    notes,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: halfWidth,
      height: 260,
      config: baseConfig,
      layer: [
        {
          data: { values: kept },
          mark: { type: 'circle', size: 14, opacity: 0.45, color: colours.test },
          encoding: {
            x: { field: 'lambda', type: 'quantitative', title: 'eigenvalue λᵢ', scale: { type: 'log' }, axis: { format: axisNumberFormat(kept.map((p) => p.lambda)) } },
            y: { field: 'loss', type: 'quantitative', title: 'spectral loss ℓᵢ(t̂)', scale: { type: 'log' }, axis: { format: axisNumberFormat(kept.map((p) => p.loss)) } },
          },
        },
        {
          data: { values: bandMeans(kept, 12) },
          mark: { type: 'line', color: colours.neutral, strokeWidth: 2.5, point: { size: 25, color: colours.neutral } },
          encoding: { x: { field: 'lambda', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } },
        },
        ...(lambdaMean > 0
          ? [
              {
                data: { values: [{ lambda: lambdaMean, label: 'λ̄' }] },
                mark: { type: 'rule' as const, color: colours.neutral, strokeDash: [4, 3] },
                encoding: { x: { field: 'lambda', type: 'quantitative' as const } },
              },
            ]
          : []),
      ],
    },
  };
}

/** Arithmetic mean of the loss (the mean Ψ compares) in `bands` bands of equal counts, at each band's geometric-mean λ. */
function bandMeans(points: { lambda: number; loss: number }[], bands: number): { lambda: number; loss: number }[] {
  const sorted = [...points].sort((a, b) => a.lambda - b.lambda);
  const size = Math.max(1, Math.ceil(sorted.length / bands));
  const means: { lambda: number; loss: number }[] = [];
  for (let start = 0; start < sorted.length; start += size) {
    const band = sorted.slice(start, start + size);
    const logLambda = band.reduce((total, p) => total + Math.log(p.lambda), 0) / band.length;
    means.push({ lambda: Math.exp(logLambda), loss: band.reduce((total, p) => total + p.loss, 0) / band.length });
  }
  return means;
}

/** Every chart of the report, in reading order. */
export function reportCharts(report: TwoStageReport): ReportChart[] {
  return [lossCurvesChart(report), remlChart(report), spectrumChart(report), spectralLossChart(report)];
}
