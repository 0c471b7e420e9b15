/** The kernel's spectrum and the spectral losses at the chosen rule's stop (math.md §2.1). */
import type { TwoStageReport } from './contract.js';
import { axisNumberFormat, formatCount, formatNumber, stopStepsLabel } from './format.js';
import { baseConfig, colours, droppedNote, halfWidth, positivePoints, ruleColours, SCHEMA, type ReportChart } from './chart-common.js';
import { ruleTitles } from './rule-chart.js';

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
      $schema: SCHEMA,
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

/** ℓᵢ at the chosen rule's stop against λᵢ, with the mean loss per band of eigenvalues (flat at REML's t̂, where Ψ = 0). */
export function spectralLossChart(report: TwoStageReport): ReportChart {
  const points = report.spectralLossesAtStop.map((loss, i) => ({ lambda: report.kernel.eigenvalues[i] ?? 0, loss }));
  const { kept, dropped } = positivePoints(points, (p) => p.lambda, (p) => p.loss);
  const notes = droppedNote(dropped, 'direction', 'zero eigenvalue or zero loss: both axes are logarithmic');
  const title = `Spectral losses at the ${ruleTitles[report.decision.rule]} stop (${stopStepsLabel(report.decision.steps, report.decision.cappedAt !== undefined)})`;
  if (kept.length === 0) {
    return { id: 'spectral-losses', title, caption: 'Every direction with λ > 0 has zero loss at the stop: nothing to plot.', notes };
  }
  const lambdaMean = report.kernel.eigenvalues.reduce((total, lambda) => total + lambda, 0) / report.kernel.eigenvalues.length;
  return {
    id: 'spectral-losses',
    title,
    caption:
      'Each dot is one eigen-direction of the kernel: its remaining loss ℓᵢ = cᵢ² exp(−t λᵢ) at the stop against λᵢ. ' +
      'The line is the mean loss in bands of λ. ' +
      (report.decision.steps === 0
        ? 'Here nothing was trained: these are the losses at t = 0, before training picks anything up.'
        : 'Training removes the high-λ directions’ loss first. At REML’s t̂ they would carry no more than the rest (Ψ(t̂) = 0); a stop after it (leave-one-out’s usually is) has taken more out of them, a stop before it less.'),
    notes,
    spec: {
      $schema: SCHEMA,
      width: halfWidth,
      height: 260,
      config: baseConfig,
      layer: [
        {
          data: { values: kept },
          mark: { type: 'circle', size: 14, opacity: 0.45, color: colours.test },
          encoding: {
            x: { field: 'lambda', type: 'quantitative', title: 'eigenvalue λᵢ', scale: { type: 'log' }, axis: { format: axisNumberFormat(kept.map((p) => p.lambda)) } },
            y: { field: 'loss', type: 'quantitative', title: 'spectral loss ℓᵢ at the stop', scale: { type: 'log' }, axis: { format: axisNumberFormat(kept.map((p) => p.loss)) } },
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
