import { TabularInputError } from './errors.js';

/** A numeric column as read: one float64 per row, NaN where the cell is missing. */
export interface NumericColumn {
  name: string;
  kind: 'number';
  values: Float64Array;
}

/** A text column as read: one code per row into `levels` (first-seen order), −1 where the cell is missing. */
export interface TextColumn {
  name: string;
  kind: 'text';
  codes: Int32Array;
  levels: string[];
}

export type TableColumn = NumericColumn | TextColumn;

/** A table held column by column in typed arrays: never as one string, never a row as an object. */
export interface Table {
  /** Where the table came from, for messages. */
  source: string;
  rows: number;
  columns: TableColumn[];
}

/** The column named `name`, or undefined. */
export function findColumn(table: Table, name: string): TableColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

/** Whether row i of a column is missing. */
export function isMissing(column: TableColumn, i: number): boolean {
  return column.kind === 'number' ? Number.isNaN(column.values[i]!) : column.codes[i]! < 0;
}

/** Number of missing cells among `rows` (all rows when omitted). */
export function missingCount(column: TableColumn, rows?: ArrayLike<number>): number {
  let count = 0;
  const n = rows ? rows.length : column.kind === 'number' ? column.values.length : column.codes.length;
  for (let r = 0; r < n; r++) if (isMissing(column, rows ? rows[r]! : r)) count++;
  return count;
}

/** Cell text of row i (for labels and messages); undefined when missing. */
export function cellText(column: TableColumn, i: number): string | undefined {
  if (isMissing(column, i)) return undefined;
  return column.kind === 'number' ? String(column.values[i]) : column.levels[column.codes[i]!]!;
}

/** Grows one text column's codes and level list as cells arrive, one Map lookup a cell. */
export class TextColumnBuilder {
  private readonly index = new Map<string, number>();
  readonly levels: string[] = [];
  private codes: Int32Array;
  private length = 0;

  constructor(readonly name: string, capacity = 1024) {
    this.codes = new Int32Array(capacity);
  }

  push(cell: string | null | undefined): void {
    if (this.length === this.codes.length) {
      const grown = new Int32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = cell === null || cell === undefined ? -1 : this.codeOf(cell);
  }

  private codeOf(cell: string): number {
    let code = this.index.get(cell);
    if (code === undefined) {
      code = this.levels.length;
      this.index.set(cell, code);
      this.levels.push(cell);
    }
    return code;
  }

  build(): TextColumn {
    return { name: this.name, kind: 'text', codes: this.codes.slice(0, this.length), levels: this.levels };
  }
}

/** Cells a column may hold when a table is made in memory (tests, `predict` on rows given as columns). */
export type CellValue = number | string | boolean | null | undefined;

const missingTokens = new Set(['', 'na', 'n/a', 'null', 'none', '?', 'nan']);

/**
 * A table from columns of plain values: a column whose every present cell is a finite number (or a string that
 * reads as one) is numeric, any other is text. The same missing tokens as the file reader; ±Inf refused.
 */
export function tableFromColumns(source: string, columns: Record<string, readonly CellValue[]>): Table {
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new TabularInputError(`${source} has no columns`);
  const rows = entries[0]![1].length;
  const built = entries.map(([name, cells]): TableColumn => {
    if (cells.length !== rows) throw new TabularInputError(`${source}: column '${name}' has ${cells.length} cells, column '${entries[0]![0]}' has ${rows}; give every column the same length`);
    const text = cells.map((c) => (c === null || c === undefined ? undefined : String(c).trim()));
    const present = text.map((t) => (t === undefined || missingTokens.has(t.toLowerCase()) ? undefined : t));
    present.forEach((t, i) => {
      if (t !== undefined && /^[-+]?inf(inity)?$/i.test(t)) throw new TabularInputError(infiniteCellMessage(source, name, i));
    });
    if (present.every((t) => t === undefined || Number.isFinite(Number(t)))) {
      return { name, kind: 'number', values: Float64Array.from(present, (t) => (t === undefined ? Number.NaN : Number(t))) };
    }
    const builder = new TextColumnBuilder(name, Math.max(rows, 1));
    present.forEach((t) => builder.push(t));
    return builder.build();
  });
  return { source, rows, columns: built };
}

export function infiniteCellMessage(source: string, column: string, row: number): string {
  return `${source}: column '${column}', row ${row + 1} is infinite; replace it with a finite number, or leave the cell empty to impute it`;
}
