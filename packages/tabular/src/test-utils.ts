import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from './read.js';
import type { Table } from './table.js';

/** Write `text` to a fresh temporary folder as `name` and return its path. */
export function tempFile(name: string, text: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'duality-tabular-')), name);
  writeFileSync(path, text);
  return path;
}

/** Read CSV (or TSV, JSON, by the name's extension) text through the file reader, as a user's file would be. */
export function readText(text: string, name = 'data.csv'): Promise<Table> {
  return readTable(tempFile(name, text));
}

/** CSV text from a header and rows of cells. */
export function csv(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
