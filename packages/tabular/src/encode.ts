import { Matrix64 } from '@duality/linalg-core';
import { numericLevels, requireColumn } from './columns.js';
import { TabularInputError } from './errors.js';
import type { DesignColumn, InputColumn, Preprocessing } from './preprocessing.js';
import type { NumericColumn, Table, TableColumn, TextColumn } from './table.js';

/** Per input column: missing cells filled, and text cells whose level training never saw. */
export interface EncodingCounts {
  imputed: Map<string, number>;
  unseen: Map<string, number>;
}

/** The design rows for `rows` of the table (all rows when omitted): each design column written straight into one buffer. */
export function encodeFeatures(table: Table, prep: Preprocessing, rows?: ArrayLike<number>): { x: Matrix64; counts: EncodingCounts } {
  const n = rows ? rows.length : table.rows;
  const rowAt = rows ? (r: number) => rows[r]! : (r: number) => r;
  const p = prep.columns.length;
  const x = new Matrix64(n, p);
  const counts: EncodingCounts = { imputed: new Map(), unseen: new Map() };
  const inputs = new Map(prep.inputs.map((input) => [input.name, inputColumn(table, input)]));
  prep.columns.forEach((column, j) => {
    const raw = rawValues(inputs.get(column.input)!, column, table.source);
    const { mean, sd } = column.scaling;
    for (let r = 0; r < n; r++) x.data[r * p + j] = (raw(rowAt(r)) - mean) / sd;
  });
  for (const [name, column] of inputs) countCells(column, prep, name, rowAt, n, counts);
  return { x, counts };
}

/** The table's column for an input, read the way training read it (numbers as numbers, levels as text). */
function inputColumn(table: Table, input: InputColumn): TableColumn {
  const column = requireColumn(table, input.name, 'a feature the model was trained on');
  if (input.kind === 'number' && column.kind === 'text') {
    const numbers = numericLevels(column);
    if (!numbers) {
      const row = column.codes.findIndex((code) => code >= 0 && !Number.isFinite(Number(column.levels[code])));
      throw new TabularInputError(
        `${table.source}: column '${input.name}', row ${row + 1} is '${column.levels[column.codes[row]!]}' but the model reads it as a number; replace it with a number or leave it empty`,
      );
    }
    return { name: column.name, kind: 'number', values: Float64Array.from(column.codes, (code) => (code < 0 ? Number.NaN : numbers[code]!)) };
  }
  if (input.kind === 'text' && column.kind === 'number') return asText(column);
  return column;
}

/** A numeric column read as levels ('1', '2.5'), for a text input whose new file happens to hold only numbers. */
function asText(column: NumericColumn): TextColumn {
  const levels: string[] = [];
  const index = new Map<string, number>();
  const codes = Int32Array.from(column.values, (v) => {
    if (Number.isNaN(v)) return -1;
    const text = String(v);
    if (!index.has(text)) {
      index.set(text, levels.length);
      levels.push(text);
    }
    return index.get(text)!;
  });
  return { name: column.name, kind: 'text', codes, levels };
}

/** Row i's raw (unscaled) value of a design column; missing cells get the column's fill. */
function rawValues(column: TableColumn, design: DesignColumn, source: string): (i: number) => number {
  if (design.encoding === 'missing') {
    return column.kind === 'number' ? (i) => (Number.isNaN(column.values[i]!) ? 1 : 0) : (i) => (column.codes[i]! < 0 ? 1 : 0);
  }
  if (design.encoding === 'value') {
    if (column.kind !== 'number') throw new TabularInputError(`${source}: column '${design.input}' is not numeric`);
    const { values } = column;
    const { fill } = design;
    return (i) => (Number.isNaN(values[i]!) ? fill : values[i]!);
  }
  const text = column as TextColumn;
  const code = text.levels.indexOf(design.level);
  const { fill } = design;
  return (i) => (text.codes[i]! < 0 ? fill : text.codes[i] === code ? 1 : 0);
}

function countCells(column: TableColumn, prep: Preprocessing, name: string, rowAt: (r: number) => number, n: number, counts: EncodingCounts): void {
  const input = prep.inputs.find((c) => c.name === name)!;
  const trained = new Set(input.kind === 'text' ? input.levels : []);
  const known = column.kind === 'text' ? column.levels.map((level) => trained.has(level)) : undefined;
  let imputed = 0;
  let unseen = 0;
  for (let r = 0; r < n; r++) {
    const i = rowAt(r);
    if (column.kind === 'number') imputed += Number.isNaN(column.values[i]!) ? 1 : 0;
    else if (column.codes[i]! < 0) imputed++;
    else if (!known![column.codes[i]!]) unseen++;
  }
  if (imputed > 0) counts.imputed.set(name, imputed);
  if (unseen > 0) counts.unseen.set(name, unseen);
}
