import { IDENTITY_SCALING, medianInPlace, scalingOf, strayText, type Scaling } from './columns.js';
import { TabularInputError } from './errors.js';
import type { DesignColumn, ImputeMethod, InputColumn } from './preprocessing.js';
import type { Table, TableColumn, TextColumn } from './table.js';

/** How feature columns become design columns; every field has its default in `prepareDesign`. */
export interface FeatureOptions {
  impute: ImputeMethod;
  missingIndicators: boolean;
  /** A column missing on more than this share of the training rows is skipped (named: refused). */
  maxMissing: number;
  categorical: 'onehot' | 'refuse';
  maxLevels: number;
  standardize: boolean;
}

export interface FittedFeatures {
  inputs: InputColumn[];
  columns: DesignColumn[];
  skipped: { column: string; reason: string }[];
}

/** A column that cannot be used: refused when the user named it (unless merely constant), skipped with the reason otherwise. */
class Unusable extends Error {
  constructor(message: string, readonly refuseWhenNamed = true) {
    super(message);
  }
}

/**
 * Fit every candidate column on the training rows: its fill value (median or mean of the observed cells), its
 * one-hot levels, its missing indicator and its standardisation, all from `train` alone (math.md §7.1).
 */
export function fitFeatures(table: Table, candidates: TableColumn[], named: boolean, train: Int32Array, options: FeatureOptions): FittedFeatures {
  const fitted: FittedFeatures = { inputs: [], columns: [], skipped: [] };
  const byRow = Int32Array.from(train.keys()).sort((a, b) => train[a]! - train[b]!);
  const scratch: Scratch = { column: new Float64Array(train.length), present: new Float64Array(train.length), byRow, rows: byRow.map((k) => train[k]!) };
  for (const column of candidates) {
    try {
      const columns = column.kind === 'number' ? numericColumns(column.values, column.name, train, options, scratch) : textColumns(column, table.source, train, options, scratch);
      const kept = columns.filter((c) => c.scaling.sd > 0);
      if (kept.length === 0) throw new Unusable('constant on the training rows', false);
      fitted.columns.push(...kept);
      fitted.inputs.push(column.kind === 'number' ? { name: column.name, kind: 'number' } : { name: column.name, kind: 'text', levels: levelsOf(kept) });
    } catch (err) {
      if (!(err instanceof Unusable)) throw err;
      if (named && err.refuseWhenNamed) throw new TabularInputError(`feature '${column.name}' is ${err.message}; drop it from the features`);
      fitted.skipped.push({ column: column.name, reason: err.message });
    }
  }
  return fitted;
}

function levelsOf(columns: DesignColumn[]): string[] {
  return columns.flatMap((c) => (c.encoding === 'level' ? [c.level] : []));
}

/** The present (non-NaN) values, copied into `scratch`. */
function presentValues(values: Float64Array, scratch: Float64Array): Float64Array {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) scratch[k++] = values[i]!;
  return scratch.subarray(0, k);
}

function checkMissingShare(name: string, present: number, rows: number, maxMissing: number): void {
  if (present === 0) throw new Unusable('missing on every training row');
  const share = 1 - present / rows;
  if (share > maxMissing) {
    throw new Unusable(`missing on ${percent(share)} of the training rows, more than the limit of ${percent(maxMissing)} (--max-missing)`);
  }
}

const percent = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** Room for one column at the training rows, reused from column to column (fresh memory costs a page fault per 4 kB). */
interface Scratch {
  column: Float64Array;
  present: Float64Array;
  /** Positions into `train` in table order, and their table rows: a column is read forward, not at random. */
  byRow: Int32Array;
  rows: Int32Array;
}

/** The value column of a numeric input, and its missing indicator when asked for. */
function numericColumns(values: Float64Array, name: string, train: Int32Array, options: FeatureOptions, scratch: Scratch): DesignColumn[] {
  // Plain loops (a callback per cell costs ~10×); the table's column read in its own order (in split order every
  // read misses the cache), the cells in split order as before, so the fill and scaling sums are unchanged.
  const { column, present, byRow, rows } = scratch;
  for (let k = 0; k < rows.length; k++) column[byRow[k]!] = values[rows[k]!]!;
  let k = 0;
  for (let r = 0; r < column.length; r++) if (column[r] === column[r]) present[k++] = column[r]!;
  checkMissingShare(name, k, train.length, options.maxMissing);
  const missing = options.missingIndicators && k < train.length ? Float64Array.from(column, (v) => Number(Number.isNaN(v))) : undefined;
  const fill = fillValue(present.subarray(0, k), options.impute);
  if (k < train.length) for (let r = 0; r < column.length; r++) if (column[r] !== column[r]) column[r] = fill;
  const columns: DesignColumn[] = [{ name, input: name, encoding: 'value', fill, scaling: scaled(column, name, options) }];
  return [...columns, ...indicatorColumn(name, missing, options)];
}

/** One indicator column per training level (sorted), each filled and scaled like a numeric column. */
function textColumns(column: TextColumn, source: string, train: Int32Array, options: FeatureOptions, scratch: Scratch): DesignColumn[] {
  const stray = strayText(column, source);
  if (stray) throw new Unusable(`numeric but for a stray text cell (${stray})`);
  if (options.categorical === 'refuse') throw new Unusable('text (and --categorical refuse is set)');
  const seen = new Set<number>();
  let present = 0;
  for (const i of train) {
    const code = column.codes[i]!;
    if (code >= 0) {
      present++;
      seen.add(code);
    }
  }
  checkMissingShare(column.name, present, train.length, options.maxMissing);
  const levels = [...seen].map((code) => column.levels[code]!).sort();
  if (levels.length > options.maxLevels) {
    throw new Unusable(`text with ${levels.length} distinct values, more than the one-hot limit of ${options.maxLevels} (--max-levels)`);
  }
  const columns = levels.map((level): DesignColumn => {
    const code = column.levels.indexOf(level);
    const indicator = Float64Array.from(train, (i) => (column.codes[i]! < 0 ? Number.NaN : column.codes[i] === code ? 1 : 0));
    const fill = fillValue(presentValues(indicator, scratch.present), options.impute);
    const completed = indicator.map((v) => (Number.isNaN(v) ? fill : v));
    return { name: `${column.name}=${level}`, input: column.name, encoding: 'level', level, fill, scaling: scaled(completed, `${column.name}=${level}`, options) };
  });
  return [...columns, ...indicatorColumn(column.name, Float64Array.from(train, (i) => Number(column.codes[i]! < 0)), options)];
}

/** The 0/1 missing indicator (1 where the training cell was missing), when asked for and when a cell was. */
function indicatorColumn(name: string, missing: Float64Array | undefined, options: FeatureOptions): DesignColumn[] {
  if (!options.missingIndicators || !missing?.includes(1)) return [];
  return [{ name: `${name} (missing)`, input: name, encoding: 'missing', scaling: scaled(missing, `${name} (missing)`, options) }];
}

/**
 * The training statistic a missing cell becomes. Median by default: protein levels and most lab values are skewed,
 * and the median neither follows a few extreme cells nor, for a 0/1 indicator, leaves {0, 1}. 'drop' rows never
 * reach here with a missing cell; new rows given to a drop-trained model are filled with the median (and counted).
 */
function fillValue(present: Float64Array, method: ImputeMethod): number {
  if (method === 'mean') return present.reduce((s, v) => s + v, 0) / present.length;
  return medianInPlace(present);
}

function scaled(completed: Float64Array, name: string, options: FeatureOptions): Scaling {
  const scaling = scalingOf(completed, name);
  if (scaling.sd === 0) return scaling;
  return options.standardize ? scaling : { ...IDENTITY_SCALING };
}
