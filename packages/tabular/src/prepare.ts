import { Matrix64, seededPermutation } from '@duality/linalg-core';
import { TabularInputError } from './errors.js';
import { meanSd, readColumn, requireColumn, strayText, type Column, type Scaling } from './columns.js';
import type { Table } from './read.js';
import { encodeTarget, targetColumnOf, type ClassEncoding, type EncodedTarget } from './targets.js';

export interface DesignOptions {
  /** The column to predict: numeric (regression), or text labels (classification, one indicator output per class). */
  target: string;
  /** Treat a numeric target as class labels too (codes such as cylinder counts). Default false. */
  classes?: boolean;
  /** Most classes a class target may have (default 50). */
  maxClasses?: number;
  /** Feature columns. Default: every numeric column other than the target (the others are listed as ignored). */
  features?: string[];
  /** Text columns among the features: one-hot encode them (default) or refuse. */
  categorical?: 'onehot' | 'refuse';
  /** Most distinct values a text column may have to be one-hot encoded (default 20). */
  maxLevels?: number;
  /** Standardise features and a numeric target with the training split's mean and sd, and centre a class target's indicators (default true). */
  standardize?: boolean;
  /** Fraction of rows held out as the test split (default 0.2; 0 for none). */
  testFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
}

export interface Split {
  x: Matrix64;
  /** Targets, n×k: one column for a numeric target; one (centred) indicator column per class for a class target. */
  y: Matrix64;
  /** Class index per row, for a class target. */
  labels?: Int32Array;
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
  /** A numeric target's scaling (mean 0, sd 1 for a class target: see `classes`). */
  targetScaling: Scaling;
  /** A class target's labels and the offsets subtracted from its indicator columns. */
  classes?: ClassEncoding;
}

/** The named features, or every numeric column but the target (the others listed as ignored, and why). */
function featureColumnsOf(table: Table, target: string, features: string[] | undefined): { columns: Column[]; ignored: Design['ignoredColumns'] } {
  if (features) {
    if (features.length === 0) throw new TabularInputError('no feature columns given');
    for (const f of features) requireColumn(table, f, 'a feature');
    const twice = features.find((f, i) => features.indexOf(f) !== i);
    if (twice !== undefined) throw new TabularInputError(`feature '${twice}' is named twice; give each feature once`);
    if (features.includes(target)) throw new TabularInputError(`the target '${target}' cannot also be a feature; remove it from the features`);
    return { columns: features.map((f) => readColumn(table, f)), ignored: [] };
  }
  const columns: Column[] = [];
  const ignored: Design['ignoredColumns'] = [];
  for (const name of table.columns.filter((c) => c !== target)) {
    const column = readColumn(table, name);
    const stray = column.numeric ? undefined : strayText(column, table.source);
    if (column.numeric) columns.push(column);
    else ignored.push({ column: name, reason: stray ?? 'not numeric (name it as a feature to one-hot encode it)' });
  }
  if (columns.length === 0) throw new TabularInputError(`${table.source} has no numeric column besides '${target}'; name the features to use`);
  return { columns, ignored };
}

/** Numeric design columns over the kept rows: numeric as is, text one-hot over its levels (sorted, for reproducibility). */
function expandDesign(columns: Column[], rows: number[], options: DesignOptions, source: string): { names: string[]; values: Float64Array[] } {
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
      // A numeric column with a stray text cell reads as hundreds of levels: name the cell, not the count.
      throw new TabularInputError(
        strayText(column, source) ??
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
  checkedDesignOptions(options);
  const { target } = options;
  const testFraction = options.testFraction ?? 0.2;
  const targetColumn = targetColumnOf(table, target);
  const features = featureColumnsOf(table, target, options.features);
  const complete = (i: number) => [targetColumn, ...features.columns].every((c) => c.cells[i]!.kind !== 'missing');
  const rows = table.records.map((_, i) => i).filter(complete);
  const droppedMissing = table.records.length - rows.length;
  const design = expandDesign(features.columns, rows, options, table.source);
  const encoded = encodeTarget(targetColumn, rows, options);
  const split = splitRows(rows.length, testFraction, options.seed ?? 0, droppedMissing);
  return standardised(target, design, encoded, split, { standardize: options.standardize ?? true, droppedMissing, ignored: features.ignored });
}

/** Options a slip would otherwise turn into a confusing later error ("no column 'undefined'") or a silent default. */
function checkedDesignOptions(options: DesignOptions | undefined): void {
  if (typeof options?.target !== 'string' || options.target === '') throw new TabularInputError('name the target column: prepareDesign(table, { target: "y" })');
  const { testFraction, seed, categorical, maxLevels, maxClasses } = options;
  if (testFraction !== undefined && !(testFraction >= 0 && testFraction < 1)) throw new TabularInputError(`test fraction must be in [0, 1), got ${testFraction}`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new TabularInputError(`seed must be an integer, got ${seed}`);
  if (categorical !== undefined && categorical !== 'onehot' && categorical !== 'refuse') {
    throw new TabularInputError(`unknown categorical '${String(categorical)}'; use onehot or refuse`);
  }
  for (const [name, value] of [['maxLevels', maxLevels], ['maxClasses', maxClasses]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 2)) throw new TabularInputError(`${name} must be an integer ≥ 2, got ${value}`);
  }
}

const identity: Scaling = { mean: 0, sd: 1 };

/** meanSd, refusing a column whose values span beyond the float64 range (both signs near 1e308). */
function scalingOf(values: Float64Array, name: string): Scaling {
  const min = values.reduce((m, v) => Math.min(m, v), Infinity);
  const max = values.reduce((m, v) => Math.max(m, v), -Infinity);
  // max − min bounds every |x − mean| and the sd: while it is finite, so are the standardised values.
  if (!Number.isFinite(max - min)) {
    throw new TabularInputError(`column '${name}' spans more than the float64 range (${min} to ${max}); rescale it, e.g. divide it by 1e100`);
  }
  return meanSd(values);
}

/** A class target needs two classes among the training rows, not just among all rows. */
function requireTwoTrainingClasses(target: string, encoded: EncodedTarget, train: number[]): void {
  const present = new Set(train.map((i) => encoded.labels![i]!));
  if (present.size >= 2) return;
  const names = encoded.names!;
  const [only] = [...present].map((k) => names[k]!);
  const others = names.filter((name) => name !== only).map((name) => `'${name}'`);
  throw new TabularInputError(
    `target '${target}' has a single class '${only}' on the training rows (the test split holds every row of ${others.join(', ')}); ` +
      'add rows of the other classes, or hold out fewer rows (a smaller test fraction or another seed)',
  );
}

/** Column j of m over the rows idx. */
function columnOver(m: Matrix64, j: number, idx: number[]): Float64Array {
  return Float64Array.from(idx, (i) => m.get(i, j));
}

/**
 * The target's scaling from the training rows: a numeric target standardised, a class target's indicators centred
 * on the training frequencies (not scaled: a rare class must not weigh more than a common one).
 */
function targetScalings(target: string, encoded: EncodedTarget, train: number[], standardize: boolean): Scaling[] {
  const { values } = encoded;
  if (encoded.names) {
    requireTwoTrainingClasses(target, encoded, train);
    return encoded.names.map((_, k) => ({ mean: standardize ? meanSd(columnOver(values, k, train)).mean : 0, sd: 1 }));
  }
  const scaling = standardize ? scalingOf(columnOver(values, 0, train), target) : identity;
  if (scaling.sd === 0) throw new TabularInputError(`target '${target}' is constant on the training rows; nothing to learn`);
  return [scaling];
}

/** Scale with the training rows' statistics (constant columns dropped and listed) and build both splits. */
function standardised(
  target: string,
  design: { names: string[]; values: Float64Array[] },
  encoded: EncodedTarget,
  split: { train: number[]; test: number[] },
  context: { standardize: boolean; droppedMissing: number; ignored: Design['ignoredColumns'] },
): Design {
  const pick = (values: Float64Array, idx: number[]) => Float64Array.from(idx, (i) => values[i]!);
  const yScalings = targetScalings(target, encoded, split.train, context.standardize);
  const ignoredColumns = [...context.ignored];
  const kept: number[] = [];
  const featureScaling: Scaling[] = [];
  design.values.forEach((values, j) => {
    const scaling = context.standardize ? scalingOf(pick(values, split.train), design.names[j]!) : identity;
    if (scaling.sd === 0) ignoredColumns.push({ column: design.names[j]!, reason: 'constant on the training rows' });
    else {
      kept.push(j);
      featureScaling.push(scaling);
    }
  });
  if (kept.length === 0) throw new TabularInputError('every feature is constant on the training rows; nothing to learn from');
  const scale = (v: number, s: Scaling) => (v - s.mean) / s.sd;
  const build = (idx: number[]): Split => {
    const x = new Matrix64(idx.length, kept.length);
    idx.forEach((row, r) => kept.forEach((j, c) => x.set(r, c, scale(design.values[j]![row]!, featureScaling[c]!))));
    const y = new Matrix64(idx.length, yScalings.length);
    idx.forEach((row, r) => yScalings.forEach((s, k) => y.set(r, k, scale(encoded.values.get(row, k), s))));
    return { x, y, ...(encoded.labels ? { labels: Int32Array.from(idx, (row) => encoded.labels![row]!) } : {}) };
  };
  const featureNames = kept.map((j) => design.names[j]!);
  const classes = encoded.names ? { names: encoded.names, offsets: yScalings.map((s) => s.mean) } : undefined;
  return {
    target,
    featureNames,
    train: build(split.train),
    test: build(split.test),
    droppedMissing: context.droppedMissing,
    ignoredColumns,
    featureScaling,
    targetScaling: classes ? identity : yScalings[0]!,
    ...(classes ? { classes } : {}),
  };
}

/** Back to the target's original units. */
export function unscaleTarget(values: ArrayLike<number>, scaling: Scaling): Float64Array {
  if (!(Number.isFinite(scaling?.sd) && Number.isFinite(scaling?.mean))) throw new TabularInputError('unscaleTarget needs the design\'s targetScaling { mean, sd }');
  const bad = Array.from(values).findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new TabularInputError(`unscaleTarget: value ${bad} is ${values[bad]}; predictions must be finite`);
  return Float64Array.from(values, (v) => v * scaling.sd + scaling.mean);
}
