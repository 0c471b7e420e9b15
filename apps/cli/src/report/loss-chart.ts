/** The loss curves: the network beside its kernel model and the LOO estimate, with every rule's stop marked. */
import type { StopPoint, TwoStageReport } from './contract.js';
import { axisNumberFormat, formatCount } from './format.js';
import {
  baseConfig,
  colours,
  droppedNote,
  fullWidth,
  positivePoints,
  ruleColours,
  ruleLabels,
  SCHEMA,
  stepAxis,
  type LayerSpec,
  type ReportChart,
} from './chart-common.js';

interface LossPoint {
  step: number;
  loss: number;
  split: 'train' | 'test';
  model: 'network' | 'kernel' | 'LOO estimate';
}

function lossSeries(report: TwoStageReport): LossPoint[] {
  return report.curves.flatMap((point): LossPoint[] => [
    ...(point.trainLoss === undefined ? [] : [{ step: point.step, loss: point.trainLoss, split: 'train' as const, model: 'network' as const }]),
    { step: point.step, loss: point.kernelTrainLoss, split: 'train', model: 'kernel' },
    ...(point.testLoss === undefined ? [] : [{ step: point.step, loss: point.testLoss, split: 'test' as const, model: 'network' as const }]),
    ...(point.kernelTestLoss === undefined ? [] : [{ step: point.step, loss: point.kernelTestLoss, split: 'test' as const, model: 'kernel' as const }]),
    { step: point.step, loss: point.looLoss, split: 'test', model: 'LOO estimate' },
  ]);
}

/** The curves as one line layer: colour by data split, dash by model. */
export function lossLines(points: LossPoint[], lastStep: number): LayerSpec {
  const splitDomain = [...new Set(points.map((p) => p.split))];
  const modelDomain = (['network', 'kernel', 'LOO estimate'] as const).filter((m) => points.some((p) => p.model === m));
  const dashes = { network: [1, 0], kernel: [6, 4], 'LOO estimate': [1, 3] };
  return {
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: stepAxis(lastStep),
      y: {
        field: 'loss',
        type: 'quantitative',
        title: 'loss  (1/2n)‖f − y‖²',
        scale: { type: 'log', nice: false, padding: 8 },
        axis: { tickCount: 6, format: axisNumberFormat(points.map((p) => p.loss)) },
      },
      color: {
        field: 'split',
        type: 'nominal',
        title: 'data',
        scale: { domain: splitDomain, range: splitDomain.map((split) => (split === 'train' ? colours.train : colours.test)) },
      },
      strokeDash: { field: 'model', type: 'nominal', title: 'model', scale: { domain: modelDomain, range: modelDomain.map((m) => dashes[m]) } },
      detail: { field: 'model' },
    },
  };
}

/** Train/test losses of the network and of the kernel model against steps, with every rule's stop. */
export function lossCurvesChart(report: TwoStageReport): ReportChart {
  const lines = positivePoints(lossSeries(report), (p) => p.loss);
  const stops = report.stops.filter((stop) => Number.isFinite(stop.steps) && stop.steps >= 0);
  const notes = [
    ...droppedNote(lines.dropped, 'loss value', 'zero or not finite: the loss axis is logarithmic'),
    ...droppedNote(report.stops.length - stops.length, 'stop', 'no finite step count'),
    ...(report.data.nTest === 0 ? ['No test data: only training losses are shown, and there is no oracle stop.'] : []),
    ...(stops.some((stop) => stop.capped) ? ['A label "≥ N (cap)" marks a rule whose own stop lies past the step cap: training stops at the cap.'] : []),
  ];
  if (lines.kept.length === 0) {
    return { id: 'loss-curves', title: 'Loss curves', caption: 'No loss curves were recorded.', notes };
  }
  const lastStep = Math.max(...lines.kept.map((p) => p.step), ...stops.map((stop) => stop.steps));
  return {
    id: 'loss-curves',
    title: 'Loss curves: the network beside its kernel model',
    caption:
      `Solid lines: the real network, measured (trained to step ${report.training.trainedTo}). ` +
      'Dashed: the linearised (kernel) model, predicted before training; past the trained steps it is the prediction alone. ' +
      'Dotted: the exact leave-one-out estimate of the out-of-sample loss, from the training data alone (no test set). ' +
      'Vertical rules: where each stopping rule stops (the step axis is linear below 1, logarithmic above).',
    notes,
    spec: { $schema: SCHEMA, width: fullWidth, height: 360, config: baseConfig, layer: [lossLines(lines.kept, lastStep), ...stopLayers(stopsForPlot(stops, lastStep))] },
  };
}

export interface StopMark {
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

/** A stop's label on a plot: the rule and its steps, "≥ N (cap)" when capped. */
export function stopMarkLabel(stop: Pick<StopPoint, 'rule' | 'steps' | 'capped'>): string {
  return `${ruleLabels[stop.rule]} ${stop.capped ? `≥ ${formatCount(stop.steps)} (cap)` : formatCount(stop.steps)}`;
}

/**
 * Stops sorted by step, each label on the highest row where it does not run into the previous label (positions
 * estimated on the symlog axis, about 6.5 px per character of 11 px bold text).
 */
export function stopsForPlot(
  stops: Pick<StopPoint, 'rule' | 'steps' | 'capped' | 'testLoss' | 'kernelTestLoss'>[],
  lastStep: number,
  suffix: (stop: Pick<StopPoint, 'rule'>) => string = () => '',
): StopMark[] {
  const pixelOf = (step: number) => (fullWidth * Math.log1p(step)) / Math.log1p(Math.max(lastStep, 1));
  const rowEnds: number[] = [];
  return [...stops]
    .sort((a, b) => a.steps - b.steps)
    .map((stop) => {
      const label = stopMarkLabel(stop) + suffix(stop);
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

function labelLayer(labels: StopMark[], flip: boolean): LayerSpec {
  return {
    data: { values: labels },
    mark: { type: 'text', align: flip ? 'right' : 'left', baseline: 'top', dx: flip ? -4 : 4, fontSize: 11, fontWeight: 'bold' },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'labelY', type: 'quantitative', scale: null },
      text: { field: 'label', type: 'nominal' },
      color: { field: 'colour', type: 'nominal', scale: null },
    },
  };
}

/** Dashed rules at the stops, their labels, and a diamond on the test curve where the loss there is known. */
export function stopLayers(marks: StopMark[]): LayerSpec[] {
  if (marks.length === 0) return [];
  const withLoss = marks.filter((mark) => mark.testLoss !== undefined);
  const rules: LayerSpec = {
    data: { values: marks },
    mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [2, 2] },
    encoding: { x: { field: 'step', type: 'quantitative' }, color: { field: 'colour', type: 'nominal', scale: null } },
  };
  const diamonds: LayerSpec = {
    data: { values: withLoss },
    mark: { type: 'point', shape: 'diamond', filled: true, size: 70, stroke: 'white', strokeWidth: 1 },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'testLoss', type: 'quantitative' },
      color: { field: 'colour', type: 'nominal', scale: null },
    },
  };
  const labels = [false, true].flatMap((flip) => {
    const group = marks.filter((mark) => mark.flip === flip);
    return group.length === 0 ? [] : [labelLayer(group, flip)];
  });
  return [rules, ...labels, ...(withLoss.length === 0 ? [] : [diamonds])];
}
