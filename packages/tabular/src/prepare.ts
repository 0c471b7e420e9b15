import { Matrix64, seededPermutation } from '@duality/linalg-core';
import { TabularInputError } from './errors.js';
import type { Table } from './read.js';

export interface DesignOptions {
  /** The column to predict; must be numeric. */
  target: string;
  /** Feature columns. Default: every numeric column other than the target (the others are listed as ignored). */
  features?: string[];
  /** Text columns among the features: one-hot encode them (default) or refuse. */
  categorical?: 'onehot' | 'refuse';
  /** Most distinct values a text column may have to be one-hot encoded (default 20). */
  maxLevels?: number;
  /** Standardise features and target with the training split's mean and sd (default true). */
  standardize?: boolean;
  /** Fraction of rows held out as the test split (default 0.2; 0 for none). */
  testFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
}

/** x ↦ (x − mean)/sd; sd is 1 when standardisation is off. */
export interface Scaling {
  mean: number;
  sd: number;
}

export interface Split {
  x: Matrix64;
  y: Float64Array;
}

export interface Design {
  target: string;
  /** Column names of x, one-hot columns as `column=level`. */
  featureNames: string[];
  train: Split;
  test: Split;
  /** Rows dropped because the target or a feature was missing. */
  droppedMissing: number;
  /** Columns not used, and why. */
  ignoredColumns: { column: string; reason: string }[];
  featureScaling: Scaling[];
  targetScaling: Scaling;
}

type Cell = { kind: 'missing' } | { kind: 'number'; value: number } | { kind: 'text'; value: string } | { kind: 'invalid'; raw: string };

const missingTokens = new Set(['', 'na', 'n/a', 'null', 'none', '?']);
const invalidTokens = new Set(['nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function classify(value: unknown): Cell {
  if (value === null || value === undefined) return { kind: 'missing' };
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'invalid', raw: String(value) };
  }
  const text = String(value).trim();
  const lower = text.toLowerCase();
  if (missingTokens.has(lower)) return { kind: 'missing' };
  if (invalidTokens.has(lower)) return { kind: 'invalid', raw: text };
  if (numberPattern.test(text)) {
    const number = Number(text);
    // 1e400 matches the pattern but overflows: name it for what it is, not as the NaN it would become downstream.
    return Number.isFinite(number) ? { kind: 'number', value: number } : { kind: 'invalid', raw: `${text}, beyond the float64 range (it reads as ${number})` };
  }
  return { kind: 'text', value: text };
}

interface Column {
  name: string;
  cells: Cell[];
  numeric: boolean;
}

function readColumn(table: Table, name: string): Column {
  const cells = table.records.map((r) => classify(r[name]));
  cells.forEach((cell, row) => {
    if (cell.kind === 'invalid') {
      throw new TabularInputError(
        `${table.source}: column '${name}', record ${row + 1} is ${cell.raw}; ` +
          `replace it with a number, or leave the cell empty to drop the row`,
      );
    }
  });
  return { name, cells, numeric: cells.every((c) => c.kind !== 'text') };
}

function requireColumn(table: Table, name: string, role: string): void {
  if (!table.columns.includes(name)) {
    throw new TabularInputError(
      `${table.source} has no column '${name}' (${role}); its columns are: ${table.columns.join(', ')}`,
    );
  }
}

function meanSd(values: ArrayLike<number>): Scaling {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / Math.max(values.length - 1, 1)) };
}

/** The target column, which must be numeric. */
function targetColumnOf(table: Table, target: string): Column {
  requireColumn(table, target, 'the target');
  const column = readColumn(table, target);
  if (!column.numeric) {
    const bad = column.cells.findIndex((c) => c.kind === 'text');
    const cell = column.cells[bad] as { value: string };
    throw new TabularInputError(`target column '${target}' is not numeric (record ${bad + 1} is '${cell.value}'); choose a numeric target`);
  }
  return column;
}

/** The named features, or every numeric column but the target (the others listed as ignored, and why). */
function featureColumnsOf(table: Table, target: string, features: string[] | undefined): { columns: Column[]; ignored: Design['ignoredColumns'] } {
  if (features) {
    if (features.length === 0) throw new TabularInputError('no feature columns given');
    for (const f of features) requireColumn(table, f, 'a feature');
    if (features.includes(target)) throw new TabularInputError(`the target '${target}' cannot also be a feature; remove it from the features`);
    return { columns: features.map((f) => readColumn(table, f)), ignored: [] };
  }
  const columns: Column[] = [];
  const ignored: Design['ignoredColumns'] = [];
  for (const name of table.columns.filter((c) => c !== target)) {
    const column = readColumn(table, name);
    if (column.numeric) columns.push(column);
    else ignored.push({ column: name, reason: 'not numeric (name it as a feature to one-hot encode it)' });
  }
  if (columns.length === 0) throw new TabularInputError(`${table.source} has no numeric column besides '${target}'; name the features to use`);
  return { columns, ignored };
}

/** Numeric design columns over the kept rows: numeric as is, text one-hot over its levels (sorted, for reproducibility). */
function expandDesign(columns: Column[], rows: number[], options: DesignOptions): { names: string[]; values: Float64Array[] } {
  const maxLevels = options.maxLevels ?? 20;
  const names: string[] = [];
  const values: Float64Array[] = [];
  for (const column of columns) {
    if (column.numeric) {
      names.push(column.name);
      values.push(Float64Array.from(rows, (i) => (column.cells[i] as { value: number }).value));
      continue;
    }
    if (options.categorical === 'refuse') throw new TabularInputError(`feature '${column.name}' is not numeric; encode it or drop it from the features`);
    const text = (i: number) => String((column.cells[i] as { value: unknown }).value);
    const levels = [...new Set(rows.map(text))].sort();
    if (levels.length > maxLevels) {
      throw new TabularInputError(
        `feature '${column.name}' has ${levels.length} distinct text values, too many to one-hot encode (at most ${maxLevels}); drop it from the features`,
      );
    }
    for (const level of levels) {
      names.push(`${column.name}=${level}`);
      values.push(Float64Array.from(rows, (i) => (text(i) === level ? 1 : 0)));
    }
  }
  return { names, values };
}

/** The seeded train/test split of n complete rows; at least 3 training rows. */
function splitRows(n: number, testFraction: number, seed: number, droppedMissing: number): { train: number[]; test: number[] } {
  const nTest = Math.round(n * testFraction);
  if (n - nTest < 3) {
    throw new TabularInputError(
      `only ${n - nTest} training rows remain (${n} complete rows, ${droppedMissing} dropped for missing values, ${nTest} held out); at least 3 are needed`,
    );
  }
  const order = seededPermutation(n, seed);
  return { train: order.slice(0, n - nTest), test: order.slice(n - nTest) };
}

/**
 * Turn a table into numeric train/test designs: choose columns, drop rows with missing values (counted),
 * one-hot encode text features, split with a seed, and standardise with the training split's statistics only.
 */
export function prepareDesign(table: Table, options: DesignOptions): Design {
  const { target } = options;
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) throw new TabularInputError(`test fraction must be in [0, 1), got ${testFraction}`);
  const targetColumn = targetColumnOf(table, target);
  const features = featureColumnsOf(table, target, options.features);
  const complete = (i: number) => [targetColumn, ...features.columns].every((c) => c.cells[i]!.kind !== 'missing');
  const rows = table.records.map((_, i) => i).filter(complete);
  const droppedMissing = table.records.length - rows.length;
  const design = expandDesign(features.columns, rows, options);
  const y = Float64Array.from(rows, (i) => (targetColumn.cells[i] as { value: number }).value);
  const split = splitRows(rows.length, testFraction, options.seed ?? 0, droppedMissing);
  return standardised(target, design, y, split, { standardize: options.standardize ?? true, droppedMissing, ignored: features.ignored });
}

/** Scale with the training rows' statistics (constant columns dropped and listed) and build both splits. */
function standardised(
  target: string,
  design: { names: string[]; values: Float64Array[] },
  y: Float64Array,
  split: { train: number[]; test: number[] },
  context: { standardize: boolean; droppedMissing: number; ignored: Design['ignoredColumns'] },
): Design {
  const identity: Scaling = { mean: 0, sd: 1 };
  const pick = (values: Float64Array, idx: number[]) => Float64Array.from(idx, (i) => values[i]!);
  const targetScaling = context.standardize ? meanSd(pick(y, split.train)) : identity;
  if (targetScaling.sd === 0) throw new TabularInputError(`target '${target}' is constant on the training rows; nothing to learn`);
  const ignoredColumns = [...context.ignored];
  const kept: number[] = [];
  const featureScaling: Scaling[] = [];
  design.values.forEach((values, j) => {
    const scaling = context.standardize ? meanSd(pick(values, split.train)) : identity;
    if (scaling.sd === 0) ignoredColumns.push({ column: design.names[j]!, reason: 'constant on the training rows' });
    else {
      kept.push(j);
      featureScaling.push(scaling);
    }
  });
  if (kept.length === 0) throw new TabularInputError('every feature is constant on the training rows; nothing to learn from');
  const build = (idx: number[]): Split => {
    const x = new Matrix64(idx.length, kept.length);
    idx.forEach((row, r) => kept.forEach((j, c) => x.set(r, c, (design.values[j]![row]! - featureScaling[c]!.mean) / featureScaling[c]!.sd)));
    return { x, y: Float64Array.from(idx, (row) => (y[row]! - targetScaling.mean) / targetScaling.sd) };
  };
  const featureNames = kept.map((j) => design.names[j]!);
  return { target, featureNames, train: build(split.train), test: build(split.test), droppedMissing: context.droppedMissing, ignoredColumns, featureScaling, targetScaling };
}

/** Back to the target's original units. */
export function unscaleTarget(values: ArrayLike<number>, scaling: Scaling): Float64Array {
  return Float64Array.from(values, (v) => v * scaling.sd + scaling.mean);
}
