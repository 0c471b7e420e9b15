/** What every report chart shares: its shape, sizes, colours, and the filters a log axis needs. */
import type { TopLevelSpec } from 'vega-lite';
import type { StoppingRule } from './contract.js';
import { formatCount } from './format.js';

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

export type LayerSpec = NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']>[number];

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const fullWidth = 900;
export const halfWidth = 400;

export const colours = {
  train: '#1f77b4',
  test: '#e6550d',
  signal: '#2ca02c',
  neutral: '#555555',
} as const;

export const ruleColours: Record<StoppingRule, string> = {
  reml: '#d62728',
  loo: '#17becf',
  gcv: '#9467bd',
  oracle: '#2ca02c',
  validation: '#8c564b',
  fixed: '#7f7f7f',
};

export const ruleLabels: Record<StoppingRule, string> = {
  reml: 'REML',
  loo: 'LOO',
  gcv: 'GCV',
  oracle: 'oracle',
  validation: 'validation',
  fixed: 'fixed',
};

export const baseConfig = {
  font: 'system-ui, -apple-system, Segoe UI, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' },
  view: { stroke: '#dddddd' },
} as const;

/** Keeps the points whose named values are all finite and > 0; `dropped` counts the rest. */
export function positivePoints<T>(points: T[], ...values: ((point: T) => number)[]): { kept: T[]; dropped: number } {
  const kept = points.filter((point) => values.every((value) => value(point) > 0 && Number.isFinite(value(point))));
  return { kept, dropped: points.length - kept.length };
}

/** "3 eigenvalues are not shown (why)." — `what` is the singular noun, made plural with an s. */
export function droppedNote(dropped: number, what: string, why: string): string[] {
  if (dropped === 0) return [];
  return [`${formatCount(dropped)} ${dropped === 1 ? `${what} is` : `${what}s are`} not shown (${why}).`];
}

/** 0, 1, 2, 5, 10, 20, 50, … up to the first value ≥ `last` (symlog's own ticks are linear). */
export function stepTicks(last: number): number[] {
  const ticks = [0];
  for (let decade = 1; ticks.at(-1)! < last; decade *= 10) ticks.push(decade, 2 * decade, 5 * decade);
  return ticks.filter((tick) => tick <= last * 1.5 || tick === 0);
}

/** The step axis every curve of steps shares: linear below 1, logarithmic above. */
export function stepAxis(lastStep: number) {
  return {
    field: 'step',
    type: 'quantitative' as const,
    title: 'gradient-descent steps',
    scale: { type: 'symlog' as const },
    axis: { values: stepTicks(lastStep), format: ',d' },
  };
}
