import { TabularInputError } from './errors.js';
import type { Table } from './read.js';

/** x ↦ (x − mean)/sd; sd is 1 when standardisation is off. */
export interface Scaling {
  mean: number;
  sd: number;
}

/** One cell as read: a number, text, missing, or a value that cannot be used (named in the error). */
export type Cell = { kind: 'missing' } | { kind: 'number'; value: number } | { kind: 'text'; value: string } | { kind: 'invalid'; raw: string };

const missingTokens = new Set(['', 'na', 'n/a', 'null', 'none', '?']);
const invalidTokens = new Set(['nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function classify(value: unknown): Cell {
  if (value === null || value === undefined) return { kind: 'missing' };
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'invalid', raw: String(value) };
  }
  // A JSON array or object is not a cell: String([1]) would read as the number 1.
  if (typeof value === 'object') return { kind: 'invalid', raw: `${JSON.stringify(value)}, a JSON ${Array.isArray(value) ? 'array' : 'object'}, not a single value` };
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

const thousandsPattern = /^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$/;

/** Share of a column's non-empty cells that must read as numbers for a text cell among them to be a typo, not a level. */
const MOSTLY_NUMERIC = 0.9;

/**
 * A column of numbers but for a few text cells ('-', 'abc', '1,234') named, with the fix: read as text it would
 * silently become categorical (a main feature skipped from the defaults, a target read as a hundred classes).
 * Undefined for a numeric column and for a text column whose text is more than a stray cell.
 */
export function strayText(column: Column, source: string): string | undefined {
  const { cells, name } = column;
  const numberLike = (c: Cell) => c.kind === 'number' || (c.kind === 'text' && thousandsPattern.test(c.value));
  const present = cells.filter((c) => c.kind !== 'missing');
  const stray = cells.findIndex((c) => c.kind === 'text');
  if (stray < 0 || present.filter(numberLike).length < MOSTLY_NUMERIC * present.length) return undefined;
  const value = (cells[stray] as { value: string }).value;
  const where = `${source}: column '${name}', record ${stray + 1} is '${value}'`;
  if (thousandsPattern.test(value)) return `${where}, a number with a thousands separator; write it without separators (${value.replaceAll(',', '')})`;
  return `${where} in an otherwise numeric column; replace it with a number or leave it empty`;
}

export interface Column {
  name: string;
  cells: Cell[];
  numeric: boolean;
}

export function readColumn(table: Table, name: string): Column {
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

export function requireColumn(table: Table, name: string, role: string): void {
  if (table.columns.includes(name)) return;
  // A single header 'a;b;c;y' is a semicolon-separated file read as CSV: the column is there, the separator is not.
  const semicolons = table.columns.length === 1 && table.columns[0]!.includes(';');
  const hint = semicolons ? '; the file looks semicolon-separated: save it comma- or tab-separated (or convert it)' : '';
  throw new TabularInputError(`${table.source} has no column '${name}' (${role}); its columns are: ${table.columns.join(', ')}${hint}`);
}

/**
 * Spread (max |x − mean|) at or below this fraction of the column's largest |value| is rounding, not variation:
 * about 4,500 ulps, above the few-ulp noise of decimal round trips and upstream arithmetic, and below the 1e-10
 * relative variation of data given to ten significant digits.
 */
const CONSTANT_TOLERANCE = 1e-12;

/** Mean and sample sd (n − 1); sd is exactly 0 for a column constant up to rounding (see CONSTANT_TOLERANCE). */
export function meanSd(values: ArrayLike<number>): Scaling {
  const n = values.length;
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, Math.abs(values[i]!));
  if (top === 0) return { mean: 0, sd: 0 };
  // In units of the largest |value| every term is at most 1, so squares neither overflow (1e300) nor underflow (1e-300).
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! / top;
  mean /= n;
  let ss = 0;
  let spread = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! / top - mean;
    ss += d * d;
    spread = Math.max(spread, Math.abs(d));
  }
  const sd = spread <= CONSTANT_TOLERANCE ? 0 : Math.sqrt(ss / Math.max(n - 1, 1)) * top;
  return { mean: mean * top, sd };
}
