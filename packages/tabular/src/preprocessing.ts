import type { Scaling } from './columns.js';

/** Version of the `Preprocessing` description; bumped when its meaning changes, checked when it is loaded. */
export const PREPROCESSING_VERSION = 1;

/** How missing feature cells are handled (math.md §7.1): filled with a training statistic, or the row dropped. */
export type ImputeMethod = 'median' | 'mean' | 'drop';
export const IMPUTE_METHODS: readonly ImputeMethod[] = ['median', 'mean', 'drop'];

/** One column of the design matrix: how it is computed from a raw input column. */
export type DesignColumn =
  /** The input column's number; a missing cell becomes `fill`. */
  | { name: string; input: string; encoding: 'value'; fill: number; scaling: Scaling }
  /** 1 where the input column's text is `level`, else 0; a missing cell becomes `fill` (the training rows' statistic of this indicator). */
  | { name: string; input: string; encoding: 'level'; level: string; fill: number; scaling: Scaling }
  /** 1 where the input column's cell is missing, else 0. */
  | { name: string; input: string; encoding: 'missing'; scaling: Scaling };

/** The target: a number standardised by `scaling`, or class labels with their centring offsets. */
export type TargetDescription =
  | { name: string; kind: 'number'; scaling: Scaling }
  | { name: string; kind: 'classes'; labels: string[]; offsets: number[] };

export type InputColumn = { name: string; kind: 'number' } | { name: string; kind: 'text'; levels: string[] };

/**
 * Everything between a raw row and the network's input, and between its output and the answer: fitted on the
 * training rows only, applied unchanged to test rows and new rows. Plain JSON, so a model folder can carry it.
 */
export interface Preprocessing {
  version: typeof PREPROCESSING_VERSION;
  impute: ImputeMethod;
  /** The raw columns a row must have, in order, with the kind each was read as (and a text column's training levels). */
  inputs: InputColumn[];
  /** The design's columns, in order. */
  columns: DesignColumn[];
  target: TargetDescription;
}
