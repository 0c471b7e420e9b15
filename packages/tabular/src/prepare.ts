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
  if (numberPattern.test(text)) return { kind: 'number', value: Number(text) };
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

/**
 * Turn a table into numeric train/test designs: choose columns, drop rows with missing values (counted),
 * one-hot encode text features, split with a seed, and standardise with the training split's statistics only.
 */
export function prepareDesign(table: Table, options: DesignOptions): Design {
  const { target } = options;
  const maxLevels = options.maxLevels ?? 20;
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new TabularInputError(`test fraction must be in [0, 1), got ${testFraction}`);
  }
  requireColumn(table, target, 'the target');
  const targetColumn = readColumn(table, target);
  if (!targetColumn.numeric) {
    const bad = targetColumn.cells.findIndex((c) => c.kind === 'text');
    const cell = targetColumn.cells[bad] as { value: string };
    throw new TabularInputError(
      `target column '${target}' is not numeric (record ${bad + 1} is '${cell.value}'); choose a numeric target`,
    );
  }

  const ignoredColumns: Design['ignoredColumns'] = [];
  let featureColumns: Column[];
  if (options.features) {
    if (options.features.length === 0) throw new TabularInputError('no feature columns given');
    for (const f of options.features) requireColumn(table, f, 'a feature');
    if (options.features.includes(target)) {
      throw new TabularInputError(`the target '${target}' cannot also be a feature; remove it from the features`);
    }
    featureColumns = options.features.map((f) => readColumn(table, f));
  } else {
    featureColumns = [];
    for (const name of table.columns.filter((c) => c !== target)) {
      const column = readColumn(table, name);
      if (column.numeric) featureColumns.push(column);
      else ignoredColumns.push({ column: name, reason: 'not numeric (name it as a feature to one-hot encode it)' });
    }
    if (featureColumns.length === 0) {
      throw new TabularInputError(`${table.source} has no numeric column besides '${target}'; name the features to use`);
    }
  }

  const rows = table.records
    .map((_, i) => i)
    .filter((i) => targetColumn.cells[i]!.kind !== 'missing' && featureColumns.every((c) => c.cells[i]!.kind !== 'missing'));
  const droppedMissing = table.records.length - rows.length;

  // Expand to numeric design columns: numeric as is, text one-hot over its levels (sorted, for reproducibility).
  const designNames: string[] = [];
  const designValues: Float64Array[] = [];
  for (const column of featureColumns) {
    if (column.numeric) {
      designNames.push(column.name);
      designValues.push(Float64Array.from(rows, (i) => (column.cells[i] as { value: number }).value));
      continue;
    }
    if (options.categorical === 'refuse') {
      throw new TabularInputError(`feature '${column.name}' is not numeric; encode it or drop it from the features`);
    }
    const levels = [...new Set(rows.map((i) => String((column.cells[i] as { value: unknown }).value)))].sort();
    if (levels.length > maxLevels) {
      throw new TabularInputError(
        `feature '${column.name}' has ${levels.length} distinct text values, too many to one-hot encode ` +
          `(at most ${maxLevels}); drop it from the features`,
      );
    }
    for (const level of levels) {
      designNames.push(`${column.name}=${level}`);
      designValues.push(Float64Array.from(rows, (i) => (String((column.cells[i] as { value: unknown }).value) === level ? 1 : 0)));
    }
  }
  const yAll = Float64Array.from(rows, (i) => (targetColumn.cells[i] as { value: number }).value);

  const n = rows.length;
  const nTest = Math.round(n * testFraction);
  if (n - nTest < 3) {
    throw new TabularInputError(
      `only ${n - nTest} training rows remain (${n} complete rows, ${droppedMissing} dropped for missing values, ` +
        `${nTest} held out); at least 3 are needed`,
    );
  }
  const order = seededPermutation(n, options.seed ?? 0);
  const trainRows = order.slice(0, n - nTest);
  const testRows = order.slice(n - nTest);

  const standardize = options.standardize ?? true;
  const identity: Scaling = { mean: 0, sd: 1 };
  const pick = (values: Float64Array, idx: number[]) => Float64Array.from(idx, (i) => values[i]!);
  const targetScaling = standardize ? meanSd(pick(yAll, trainRows)) : identity;
  if (targetScaling.sd === 0) throw new TabularInputError(`target '${target}' is constant on the training rows; nothing to learn`);

  const kept: number[] = [];
  const featureScaling: Scaling[] = [];
  designValues.forEach((values, j) => {
    const scaling = standardize ? meanSd(pick(values, trainRows)) : identity;
    if (scaling.sd === 0) {
      ignoredColumns.push({ column: designNames[j]!, reason: 'constant on the training rows' });
      return;
    }
    kept.push(j);
    featureScaling.push(scaling);
  });
  if (kept.length === 0) throw new TabularInputError('every feature is constant on the training rows; nothing to learn from');

  const build = (idx: number[]): Split => {
    const x = new Matrix64(idx.length, kept.length);
    idx.forEach((row, r) => {
      kept.forEach((j, c) => x.set(r, c, (designValues[j]![row]! - featureScaling[c]!.mean) / featureScaling[c]!.sd));
    });
    return { x, y: Float64Array.from(idx, (row) => (yAll[row]! - targetScaling.mean) / targetScaling.sd) };
  };

  return {
    target,
    featureNames: kept.map((j) => designNames[j]!),
    train: build(trainRows),
    test: build(testRows),
    droppedMissing,
    ignoredColumns,
    featureScaling,
    targetScaling,
  };
}

/** Back to the target's original units. */
export function unscaleTarget(values: ArrayLike<number>, scaling: Scaling): Float64Array {
  return Float64Array.from(values, (v) => v * scaling.sd + scaling.mean);
}
