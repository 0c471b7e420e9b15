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
  if (!table.columns.includes(name)) {
    throw new TabularInputError(
      `${table.source} has no column '${name}' (${role}); its columns are: ${table.columns.join(', ')}`,
    );
  }
}

/** Mean and sample sd (n − 1). */
export function meanSd(values: ArrayLike<number>): Scaling {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / Math.max(values.length - 1, 1)) };
}

