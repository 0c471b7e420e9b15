import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { TabularInputError } from './errors.js';

/** A table of records as read: values are left as they came (strings from CSV, JSON values from JSON). */
export interface Table {
  /** Where the table came from, for messages. */
  source: string;
  columns: string[];
  records: Record<string, unknown>[];
}

export type TableFormat = 'csv' | 'tsv' | 'json';

function formatOf(path: string): TableFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.csv' || ext === '.txt' || ext === '') return 'csv';
  throw new TabularInputError(`${path}: unknown table format '${ext}'; give a .csv, .tsv or .json file`);
}

/** Refuse header names csv-parse would silently collapse into one key: duplicates and empty names. */
function checkedHeader(header: string[], source: string): string[] {
  header.forEach((name, j) => {
    if (name === '') throw new TabularInputError(`${source}: column ${j + 1} of the header has no name; name it, or delete the column`);
    const first = header.indexOf(name);
    if (first < j) throw new TabularInputError(`${source} has the column name '${name}' twice (columns ${first + 1} and ${j + 1}); rename one`);
  });
  return header;
}

/** Parse table text: CSV/TSV with a header row, or a JSON array of records. */
export function parseTable(text: string, format: TableFormat, source = 'input'): Table {
  if (text.trim() === '') throw new TabularInputError(`${source} is empty; it needs a header and at least 3 rows`);
  let records: Record<string, unknown>[];
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new TabularInputError(`${source} is not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed) || parsed.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))) {
      throw new TabularInputError(`${source} must be a JSON array of records (objects), like [{"x": 1, "y": 2}, …]`);
    }
    records = parsed as Record<string, unknown>[];
  } else {
    try {
      records = parse(text, {
        columns: (header: string[]) => checkedHeader(header, source),
        delimiter: format === 'tsv' ? '\t' : ',',
        // Files edited on two systems mix CRLF and LF; csv-parse would otherwise fix on the first line's ending.
        record_delimiter: ['\r\n', '\n', '\r'],
        skip_empty_lines: true,
        trim: true,
        bom: true,
      }) as Record<string, unknown>[];
    } catch (err) {
      if (err instanceof TabularInputError) throw err;
      throw new TabularInputError(`${source} is not valid ${format.toUpperCase()}: ${(err as Error).message}`);
    }
  }
  if (records.length === 0) throw new TabularInputError(`${source} has a header but no rows`);
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return { source, columns, records };
}

/** Read a CSV, TSV or JSON table from disk (format from the extension). */
export function readTable(path: string): Table {
  if (!existsSync(path)) throw new TabularInputError(`no such file: ${path}; check the path`);
  if (statSync(path).isDirectory()) throw new TabularInputError(`${path} is a folder; give a .csv, .tsv or .json file`);
  return parseTable(readFileSync(path, 'utf8'), formatOf(path), path);
}
