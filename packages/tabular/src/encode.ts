import { Matrix64 } from '@duality/linalg-core';
import { numericLevels, requireColumn } from './columns.js';
import { TabularInputError } from './errors.js';
import { prefaultHugePages } from './huge-pages.js';
import type { DesignColumn, InputColumn, Preprocessing } from './preprocessing.js';
import type { NumericColumn, Table, TableColumn, TextColumn } from './table.js';

/** Design rows written together (× p columns × 8 bytes: a few MB at p ≈ 3,000, within the cache). */
const ROW_BLOCK = 128;

/** Per input column: missing cells filled, and text cells whose level training never saw. */
export interface EncodingCounts {
  imputed: Map<string, number>;
  unseen: Map<string, number>;
}

/** The design rows for `rows` of the table (all rows when omitted): each design column written straight into one buffer. */
export function encodeFeatures(table: Table, prep: Preprocessing, rows?: ArrayLike<number>): { x: Matrix64; counts: EncodingCounts } {
  const at = rows ? Int32Array.from(rows) : Int32Array.from({ length: table.rows }, (_, i) => i);
  // Every cell is written, so its pages are faulted in ahead, 2 MB at a time, off this thread (huge-pages.ts).
  const data = new Float64Array(at.length * prep.columns.length);
  void prefaultHugePages(data);
  const x = new Matrix64(at.length, prep.columns.length, data);
  const counts: EncodingCounts = { imputed: new Map(), unseen: new Map() };
  const inputs = new Map(prep.inputs.map((input) => [input.name, inputColumn(table, input)]));
  const plans = prep.columns.map((column) => columnPlan(inputs.get(column.input)!, column, table.source));
  // Design rows in the table's order, a block at a time, every column within it: each column is then read forward
  // and the block's design rows (a few MB) stay in cache. A whole column at a time in split order misses the cache on
  // every cell (51 s, then 20 s, against 2 s at 50,000 × 2,931).
  const order = Int32Array.from(at.keys()).sort((a, b) => at[a]! - at[b]!);
  const rowsAt = new Int32Array(ROW_BLOCK);
  const offsets = new Int32Array(ROW_BLOCK);
  for (let start = 0; start < order.length; start += ROW_BLOCK) {
    const size = Math.min(ROW_BLOCK, order.length - start);
    for (let k = 0; k < size; k++) {
      rowsAt[k] = at[order[start + k]!]!;
      offsets[k] = order[start + k]! * x.cols;
    }
    plans.forEach((plan, j) => writeBlock(x.data, j, plan, rowsAt.subarray(0, size), offsets));
  }
  const tableOrder = order.map((r) => at[r]!);
  for (const input of prep.inputs) countCells(inputs.get(input.name)!, input, tableOrder, counts);
  return { x, counts };
}

/** How one design column reads its input: the values (NaN missing) or the codes (−1 missing), the fill, the scaling. */
interface ColumnPlan {
  values?: Float64Array;
  codes?: Int32Array;
  /** The level's code ('level'), or −2 for a missing indicator over codes. */
  code: number;
  /** The fill of a missing cell, or NaN for a missing indicator. */
  fill: number;
  mean: number;
  sd: number;
}

function columnPlan(column: TableColumn, design: DesignColumn, source: string): ColumnPlan {
  const { mean, sd } = design.scaling;
  const input = column.kind === 'number' ? { values: column.values } : { codes: column.codes };
  if (design.encoding === 'missing') return { ...input, code: -2, fill: Number.NaN, mean, sd };
  if (design.encoding === 'value') {
    if (column.kind !== 'number') throw new TabularInputError(`${source}: column '${design.input}' is not numeric`);
    return { values: column.values, code: -1, fill: design.fill, mean, sd };
  }
  return { codes: (column as TextColumn).codes, code: (column as TextColumn).levels.indexOf(design.level), fill: design.fill, mean, sd };
}

/** Design column j at a block of design rows (row k: table row rows[k], at data[offsets[k] + j]): one loop per kind, no call per cell. */
function writeBlock(data: Float64Array, j: number, plan: ColumnPlan, rows: Int32Array, offsets: Int32Array): void {
  const { values, codes, code, fill, mean, sd } = plan;
  const indicator = Number.isNaN(fill);
  if (values) {
    for (let k = 0; k < rows.length; k++) {
      const v = values[rows[k]!]!;
      const raw = indicator ? Number(v !== v) : v !== v ? fill : v;
      data[offsets[k]! + j] = (raw - mean) / sd;
    }
    return;
  }
  for (let k = 0; k < rows.length; k++) {
    const c = codes![rows[k]!]!;
    const raw = indicator ? Number(c < 0) : c < 0 ? fill : Number(c === code);
    data[offsets[k]! + j] = (raw - mean) / sd;
  }
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

function countCells(column: TableColumn, input: InputColumn, at: Int32Array, counts: EncodingCounts): void {
  let imputed = 0;
  let unseen = 0;
  if (column.kind === 'number') {
    const { values } = column;
    for (let r = 0; r < at.length; r++) if (Number.isNaN(values[at[r]!]!)) imputed++;
  } else {
    const trained = new Set(input.kind === 'text' ? input.levels : []);
    const known = column.levels.map((level) => trained.has(level));
    for (let r = 0; r < at.length; r++) {
      const code = column.codes[at[r]!]!;
      if (code < 0) imputed++;
      else if (!known[code]) unseen++;
    }
  }
  if (imputed > 0) counts.imputed.set(input.name, imputed);
  if (unseen > 0) counts.unseen.set(input.name, unseen);
}
