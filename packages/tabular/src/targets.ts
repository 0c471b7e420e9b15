import { Matrix64 } from '@duality/linalg-core';
import { requireColumn, strayText } from './columns.js';
import { TabularInputError } from './errors.js';
import { cellText, isMissing, type Table, type TableColumn } from './table.js';

/** How a class target became outputs: one indicator column per class. */
export interface ClassEncoding {
  /** Class labels in output order (numeric labels sorted as numbers, text labels as strings). */
  names: string[];
  /**
   * Subtracted from each indicator column: the class's frequency on the training rows when standardising (so the
   * targets are centred, as a standardised numeric target is), else 0. A prediction's class is argmax(f + offsets).
   */
  offsets: number[];
}

/** The target over the kept rows, before any scaling: one column of numbers, or indicators of the classes. */
export interface EncodedTarget {
  values: Matrix64;
  /** Class index per kept row (class targets). */
  labels?: Int32Array;
  /** Class labels (class targets). */
  names?: string[];
}

/** Most classes a target may have by default: more looks like an identifier column, not a label. */
export const DEFAULT_MAX_CLASSES = 50;

/** The target column: numeric for regression; text (or any, with `classes`) for classification. */
export function targetColumnOf(table: Table, target: string): TableColumn {
  const column = requireColumn(table, target, 'the target');
  const stray = strayText(column, table.source);
  if (stray) throw new TabularInputError(stray);
  return column;
}

/** Rows whose target is present, in file order (a missing target cannot be trained on, and is counted). */
export function rowsWithTarget(column: TableColumn, source: string): Int32Array {
  const rows: number[] = [];
  const n = column.kind === 'number' ? column.values.length : column.codes.length;
  for (let i = 0; i < n; i++) if (!isMissing(column, i)) rows.push(i);
  if (rows.length === 0) throw new TabularInputError(`${source}: the target '${column.name}' is missing on every row; choose another target column`);
  return Int32Array.from(rows);
}

/** Sorted distinct labels: as numbers when every label is one (3, 4, 10, not 10, 3, 4). */
function sortedLabels(labels: string[], numeric: boolean): string[] {
  const distinct = [...new Set(labels)];
  return numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
}

/**
 * Encode the target over the kept rows. A text column is a class target; `classes` makes a numeric one a class
 * target too (codes such as cylinder counts). Class targets become one indicator column per class.
 */
export function encodeTarget(column: TableColumn, rows: Int32Array, options: { classes?: boolean; maxClasses?: number }): EncodedTarget {
  if (column.kind === 'number' && !options.classes) {
    return { values: Matrix64.column(Float64Array.from(rows, (i) => column.values[i]!)) };
  }
  const labels = Array.from(rows, (i) => cellText(column, i)!);
  const names = sortedLabels(labels, column.kind === 'number');
  const maxClasses = options.maxClasses ?? DEFAULT_MAX_CLASSES;
  if (names.length > maxClasses) {
    throw new TabularInputError(
      `target '${column.name}' has ${names.length} distinct values, too many classes (at most ${maxClasses}); ` +
        (column.kind === 'number' ? 'drop the classes option to treat it as a number' : 'is it an identifier? choose a numeric or a label column'),
    );
  }
  if (names.length < 2) throw new TabularInputError(`target '${column.name}' has a single class '${names[0]}'; nothing to classify`);
  const index = new Map(names.map((name, k) => [name, k]));
  const codes = Int32Array.from(labels, (label) => index.get(label)!);
  const values = new Matrix64(rows.length, names.length);
  codes.forEach((k, r) => values.set(r, k, 1));
  return { values, labels: codes, names };
}
