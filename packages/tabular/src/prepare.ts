import { Matrix64, seededPermutation } from '@duality/linalg-core';
import { IDENTITY_SCALING, meanSd, requireColumn, scalingOf, type Scaling } from './columns.js';
import { encodeFeatures, type EncodingCounts } from './encode.js';
import { TabularInputError } from './errors.js';
import { fitFeatures, type FeatureOptions } from './fit-features.js';
import { IMPUTE_METHODS, PREPROCESSING_VERSION, type ImputeMethod, type Preprocessing, type TargetDescription } from './preprocessing.js';
import { isMissing, type Table, type TableColumn } from './table.js';
import { encodeTarget, rowsWithTarget, targetColumnOf, type ClassEncoding, type EncodedTarget } from './targets.js';

export interface DesignOptions {
  /** The column to predict: numeric (regression), or text labels (classification, one indicator output per class). */
  target: string;
  /** Treat a numeric target as class labels too (codes such as cylinder counts). Default false. */
  classes?: boolean;
  /** Most classes a class target may have (default 50). */
  maxClasses?: number;
  /** Feature columns. Default: every other column, text one-hot encoded (the unusable ones listed as skipped, with why). */
  features?: string[];
  /** Text columns among the features: one-hot encode them (default) or refuse. */
  categorical?: 'onehot' | 'refuse';
  /** Most distinct values a text column may have to be one-hot encoded (default 20). */
  maxLevels?: number;
  /** Missing feature cells: filled with the training rows' median (default) or mean, or the row dropped (math.md §7.1). */
  impute?: ImputeMethod;
  /** Add a 0/1 column per feature with missing training cells, 1 where the cell was missing (default false). */
  missingIndicators?: boolean;
  /** A feature missing on more than this share of the training rows is skipped, or refused when named (default 0.5). */
  maxMissing?: number;
  /** Standardise features and a numeric target with the training split's mean and sd, and centre a class target's indicators (default true). */
  standardize?: boolean;
  /** Fraction of rows held out as the test split (default 0.2; 0 for none). */
  testFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
}

export const DEFAULT_IMPUTE: ImputeMethod = 'median';
export const DEFAULT_MAX_MISSING = 0.5;
export const DEFAULT_MAX_LEVELS = 20;

export interface Split {
  x: Matrix64;
  /** Targets, n×k: one column for a numeric target; one (centred) indicator column per class for a class target. */
  y: Matrix64;
  /** Class index per row, for a class target. */
  labels?: Int32Array;
  /** The table's row (0-based) of each design row. */
  rows: Int32Array;
}

/** What became of missing cells: rows dropped, and cells filled per input column (largest first). */
export interface MissingSummary {
  method: ImputeMethod;
  maxMissing: number;
  /** Rows dropped because the target was missing. */
  droppedTarget: number;
  /** Rows dropped for a missing feature cell (impute 'drop' only). */
  droppedIncomplete: number;
  /** Filled cells per input column on the training and test rows, largest first; columns with none left out. */
  imputed: { column: string; train: number; test: number }[];
  /** Text cells on the test rows whose level the training rows never had (encoded as all-zero indicators). */
  unseenLevels: { column: string; test: number }[];
}

export interface Design {
  target: string;
  /** Column names of x, one-hot columns as `column=level`, missing indicators as `column (missing)`. */
  featureNames: string[];
  train: Split;
  test: Split;
  /** Rows dropped for missing values (the target, or a feature cell with impute 'drop'). */
  droppedMissing: number;
  missing: MissingSummary;
  /** Input columns the design uses, in order. */
  usedColumns: string[];
  /** Columns not used, and why. */
  ignoredColumns: { column: string; reason: string }[];
  featureScaling: Scaling[];
  /** A numeric target's scaling (mean 0, sd 1 for a class target: see `classes`). */
  targetScaling: Scaling;
  /** A class target's labels and the offsets subtracted from its indicator columns. */
  classes?: ClassEncoding;
  /** The fitted preprocessing: apply it to new rows with `encodeFeatures`. */
  preprocessing: Preprocessing;
}

/**
 * Turn a table into numeric train/test designs: drop rows without a target (counted), split with a seed, fit the
 * features on the training rows (imputation, one-hot levels, standardisation: math.md §7.1) and apply that fit,
 * unchanged, to both splits.
 */
export function prepareDesign(table: Table, options: DesignOptions): Design {
  checkedDesignOptions(options);
  const { target } = options;
  const targetColumn = targetColumnOf(table, target);
  const named = options.features !== undefined;
  const candidates = candidateColumns(table, target, options.features);
  const featureOptions = featureOptionsOf(options);
  let rows = rowsWithTarget(targetColumn, table.source);
  const droppedTarget = table.rows - rows.length;
  if (featureOptions.impute === 'drop') rows = completeRows(table, candidates, named, rows, featureOptions);
  const droppedIncomplete = table.rows - droppedTarget - rows.length;
  const split = splitRows(rows, options.testFraction ?? 0.2, options.seed ?? 0, table.rows - rows.length);
  const encoded = encodeTarget(targetColumn, rows, options);
  const trainRows = Int32Array.from(split.train, (r) => rows[r]!);
  const testRows = Int32Array.from(split.test, (r) => rows[r]!);
  const fitted = fitFeatures(table, candidates, named, trainRows, featureOptions);
  if (fitted.columns.length === 0) throw new TabularInputError(noFeaturesMessage(table, fitted.skipped));
  const targetScalings = fitTarget(target, encoded, split.train, options.standardize ?? true);
  const preprocessing: Preprocessing = {
    version: PREPROCESSING_VERSION,
    impute: featureOptions.impute,
    inputs: fitted.inputs,
    columns: fitted.columns,
    target: targetDescription(target, encoded, targetScalings),
  };
  const train = buildSplit(table, preprocessing, trainRows, split.train, encoded, targetScalings);
  const test = buildSplit(table, preprocessing, testRows, split.test, encoded, targetScalings);
  const classes = encoded.names ? { names: encoded.names, offsets: targetScalings.map((s) => s.mean) } : undefined;
  return {
    target,
    featureNames: fitted.columns.map((c) => c.name),
    train: train.split,
    test: test.split,
    droppedMissing: droppedTarget + droppedIncomplete,
    missing: missingSummary(featureOptions, droppedTarget, droppedIncomplete, train.counts, test.counts),
    usedColumns: fitted.inputs.map((c) => c.name),
    ignoredColumns: fitted.skipped,
    featureScaling: fitted.columns.map((c) => c.scaling),
    targetScaling: classes ? IDENTITY_SCALING : targetScalings[0]!,
    ...(classes ? { classes } : {}),
    preprocessing,
  };
}

function featureOptionsOf(options: DesignOptions): FeatureOptions {
  return {
    impute: options.impute ?? DEFAULT_IMPUTE,
    missingIndicators: options.missingIndicators ?? false,
    maxMissing: options.maxMissing ?? DEFAULT_MAX_MISSING,
    categorical: options.categorical ?? 'onehot',
    maxLevels: options.maxLevels ?? DEFAULT_MAX_LEVELS,
    standardize: options.standardize ?? true,
  };
}

/** The named features, or every column but the target. */
function candidateColumns(table: Table, target: string, features: string[] | undefined): TableColumn[] {
  if (!features) return table.columns.filter((c) => c.name !== target);
  if (features.length === 0) throw new TabularInputError('no feature columns given');
  const twice = features.find((f, i) => features.indexOf(f) !== i);
  if (twice !== undefined) throw new TabularInputError(`feature '${twice}' is named twice; give each feature once`);
  if (features.includes(target)) throw new TabularInputError(`the target '${target}' cannot also be a feature; remove it from the features`);
  return features.map((f) => requireColumn(table, f, 'a feature'));
}

/** impute 'drop': the rows complete in every column that would be used (complete-case analysis, math.md §7.1). */
function completeRows(table: Table, candidates: TableColumn[], named: boolean, rows: Int32Array, options: FeatureOptions): Int32Array {
  const used = new Set(fitFeatures(table, candidates, named, rows, options).inputs.map((c) => c.name));
  const columns = candidates.filter((c) => used.has(c.name));
  const complete = rows.filter((i) => columns.every((c) => !isMissing(c, i)));
  if (complete.length < 3) {
    throw new TabularInputError(
      `${table.source}: only ${complete.length} of ${rows.length} rows are complete across ${columns.length} feature columns; ` +
        'impute the missing cells instead (impute median, the default) rather than dropping rows',
    );
  }
  return complete;
}

function noFeaturesMessage(table: Table, skipped: { column: string; reason: string }[]): string {
  const why = skipped.slice(0, 5).map((s) => `'${s.column}' ${s.reason}`).join('; ');
  return `${table.source} has no usable feature column${why ? ` (${why}${skipped.length > 5 ? '; …' : ''})` : ''}; name the features to use`;
}

/** Options a slip would otherwise turn into a confusing later error ("no column 'undefined'") or a silent default. */
function checkedDesignOptions(options: DesignOptions | undefined): void {
  if (typeof options?.target !== 'string' || options.target === '') throw new TabularInputError('name the target column: prepareDesign(table, { target: "y" })');
  const { testFraction, seed, categorical, maxLevels, maxClasses, impute, maxMissing } = options;
  if (testFraction !== undefined && !(testFraction >= 0 && testFraction < 1)) throw new TabularInputError(`test fraction must be in [0, 1), got ${testFraction}`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new TabularInputError(`seed must be an integer, got ${seed}`);
  if (categorical !== undefined && categorical !== 'onehot' && categorical !== 'refuse') {
    throw new TabularInputError(`unknown categorical '${String(categorical)}'; use onehot or refuse`);
  }
  if (impute !== undefined && !IMPUTE_METHODS.includes(impute)) throw new TabularInputError(`unknown impute '${String(impute)}'; use ${IMPUTE_METHODS.join(', ')}`);
  if (maxMissing !== undefined && !(maxMissing >= 0 && maxMissing <= 1)) throw new TabularInputError(`maxMissing must be in [0, 1], got ${maxMissing}`);
  for (const [name, value] of [['maxLevels', maxLevels], ['maxClasses', maxClasses]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 2)) throw new TabularInputError(`${name} must be an integer ≥ 2, got ${value}`);
  }
}

/** The seeded train/test split of the n kept rows (positions into them); at least 3 training rows. */
function splitRows(rows: Int32Array, testFraction: number, seed: number, dropped: number): { train: number[]; test: number[] } {
  const n = rows.length;
  const nTest = Math.round(n * testFraction);
  if (n - nTest < 3) {
    throw new TabularInputError(`only ${n - nTest} training rows remain (${n} rows kept, ${dropped} dropped for missing values, ${nTest} held out); at least 3 are needed`);
  }
  const order = seededPermutation(n, seed);
  return { train: order.slice(0, n - nTest), test: order.slice(n - nTest) };
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

/**
 * The target's scaling from the training rows: a numeric target standardised, a class target's indicators centred
 * on the training frequencies (not scaled: a rare class must not weigh more than a common one).
 */
function fitTarget(target: string, encoded: EncodedTarget, train: number[], standardize: boolean): Scaling[] {
  const { values } = encoded;
  const column = (k: number) => Float64Array.from(train, (i) => values.get(i, k));
  if (encoded.names) {
    requireTwoTrainingClasses(target, encoded, train);
    return encoded.names.map((_, k) => ({ mean: standardize ? meanSd(column(k)).mean : 0, sd: 1 }));
  }
  const scaling = standardize ? scalingOf(column(0), target) : IDENTITY_SCALING;
  if (scaling.sd === 0) throw new TabularInputError(`target '${target}' is constant on the training rows; nothing to learn`);
  return [scaling];
}

function targetDescription(name: string, encoded: EncodedTarget, scalings: Scaling[]): TargetDescription {
  if (encoded.names) return { name, kind: 'classes', labels: encoded.names, offsets: scalings.map((s) => s.mean) };
  return { name, kind: 'number', scaling: scalings[0]! };
}

/** One split: features through the fitted preprocessing, targets scaled. `positions` index the kept rows. */
function buildSplit(table: Table, prep: Preprocessing, tableRows: Int32Array, positions: number[], encoded: EncodedTarget, scalings: Scaling[]): { split: Split; counts: EncodingCounts } {
  const { x, counts } = encodeFeatures(table, prep, tableRows);
  const y = new Matrix64(positions.length, scalings.length);
  positions.forEach((row, r) => scalings.forEach((s, k) => y.set(r, k, (encoded.values.get(row, k) - s.mean) / s.sd)));
  const labels = encoded.labels ? { labels: Int32Array.from(positions, (row) => encoded.labels![row]!) } : {};
  return { split: { x, y, rows: tableRows, ...labels }, counts };
}

function missingSummary(options: FeatureOptions, droppedTarget: number, droppedIncomplete: number, train: EncodingCounts, test: EncodingCounts): MissingSummary {
  const columns = new Set([...train.imputed.keys(), ...test.imputed.keys()]);
  const imputed = [...columns].map((column) => ({ column, train: train.imputed.get(column) ?? 0, test: test.imputed.get(column) ?? 0 }));
  imputed.sort((a, b) => b.train + b.test - (a.train + a.test));
  const unseenLevels = [...test.unseen].map(([column, count]) => ({ column, test: count }));
  return { method: options.impute, maxMissing: options.maxMissing, droppedTarget, droppedIncomplete, imputed, unseenLevels };
}

/** Back to the target's original units. */
export function unscaleTarget(values: ArrayLike<number>, scaling: Scaling): Float64Array {
  if (!(Number.isFinite(scaling?.sd) && Number.isFinite(scaling?.mean))) throw new TabularInputError('unscaleTarget needs the design\'s targetScaling { mean, sd }');
  const bad = Array.from(values).findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new TabularInputError(`unscaleTarget: value ${bad} is ${values[bad]}; predictions must be finite`);
  return Float64Array.from(values, (v) => v * scaling.sd + scaling.mean);
}
