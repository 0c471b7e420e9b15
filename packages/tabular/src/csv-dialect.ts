import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './duckdb.js';
import { TabularInputError } from './errors.js';

/** Cells read as missing in a CSV/TSV, besides the empty cell (what R, pandas and spreadsheets write). */
const CSV_MISSING = ['', 'NA', 'N/A', 'na', 'n/a', 'NaN', 'nan', 'null', 'NULL', 'None', '?'];
export const CSV_NULLS = `nullstr = [${CSV_MISSING.map(sqlString).join(', ')}]`;

/** A CSV file's dialect and column types, sniffed once, so that the reads after it skip the sniffer. */
export interface CsvLayout {
  /** read_csv options fixing the dialect (auto_detect off). */
  dialect: string;
  names: string[];
  types: string[];
}

/**
 * Rows the sniffer reads: enough for the dialect and the types (numbers are widened to DOUBLE anyway, and a column
 * with text past the sample is read again as text), without parsing a wide file's first 20,480 rows twice.
 */
const SNIFF_ROWS = 4096;

const sniffed = (value: unknown, fallback: string) => (value === null || value === '(empty)' ? fallback : String(value));

/**
 * Sniff once (DuckDB's sniffer reads a sample: on a 2,924-column file each sniff costs seconds), then check the
 * header as written: DuckDB would rename a repeated name to `a_1` and an empty one to `column1`, so a user's column
 * could change name unseen.
 */
export async function csvLayout(connection: DuckDBConnection, path: string, tab: boolean): Promise<CsvLayout> {
  const delimiter = tab ? ", delim = '\\t'" : '';
  // The sniffer works on one thread; a second would spin waiting for it (a core's worth of CPU taken from the others).
  await connection.run('SET threads = 1');
  const reader = await connection
    .runAndReadAll(`SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns FROM sniff_csv(${sqlString(path)}, header = true, sample_size = ${SNIFF_ROWS}, ${CSV_NULLS}${delimiter})`)
    .finally(() => connection.run('RESET threads'));
  const row = reader.getRowObjectsJS()[0]!;
  // A file with no quote in the sample may still quote a cell later: standard CSV quoting is the safe default.
  const dialect = [
    `auto_detect = false`,
    `delim = ${sqlString(String(row.Delimiter))}`,
    `quote = ${sqlString(sniffed(row.Quote, '"'))}`,
    `escape = ${sqlString(sniffed(row.Escape, '"'))}`,
    `new_line = ${sqlString(String(row.NewLineDelimiter))}`,
    `skip = ${Number(row.SkipRows)}`,
    ...(sniffed(row.Comment, '') ? [`comment = ${sqlString(String(row.Comment))}`] : []),
  ].join(', ');
  const columns = row.Columns as { name: string; type: string }[];
  const layout = { dialect, names: columns.map((c) => c.name), types: columns.map((c) => c.type) };
  if (layout.names.length === 1 && /[,;\t|]/.test(layout.names[0]!)) {
    throw new TabularInputError(`${path}: the header '${layout.names[0]}' could not be split into columns; check that every row has as many cells as the header (a ragged row)`);
  }
  checkHeader(await headerAsWritten(connection, path, layout), path);
  return layout;
}

async function headerAsWritten(connection: DuckDBConnection, path: string, layout: CsvLayout): Promise<string[]> {
  const text = `{${layout.names.map((_, j) => `'c${j}': 'VARCHAR'`).join(', ')}}`;
  const reader = await connection.runAndReadAll(`SELECT * FROM read_csv(${sqlString(path)}, ${layout.dialect}, header = false, columns = ${text}) LIMIT 1`);
  return (reader.getRows()[0] ?? []).map((cell) => (cell === null ? '' : String(cell)));
}

function checkHeader(names: string[], path: string): void {
  names.forEach((name, j) => {
    if (name.trim() === '') throw new TabularInputError(`${path}: column ${j + 1} of the header has no name; name it, or delete the column`);
    const first = names.indexOf(name);
    if (first < j) throw new TabularInputError(`${path} has the column name '${name}' twice (columns ${first + 1} and ${j + 1}); rename one`);
  });
}

/**
 * Bytes DuckDB reads at a time. A chunk ends at a buffer's end, so with the default 8 MB a 2,926-column file (17 kB a
 * row) comes in chunks of ~480 rows, each with its 2,926 vectors to allocate, fill and hand over; 24 MB gives three
 * times fewer. Below glibc's 32 MB ceiling for mapping an allocation afresh, so buffers reuse memory already touched
 * (fresh memory costs a page fault per 4 kB).
 */
const BUFFER_BYTES = 24 * 1024 * 1024;

/** The read_csv call with the sniffed layout, numbers widened to DOUBLE (an integer column may hold a decimal later). */
export function csvRelation(path: string, layout: CsvLayout, numeric: (type: string) => boolean): string {
  const columns = layout.names.map((name, j) => `${sqlString(name)}: ${sqlString(numeric(layout.types[j]!) ? 'DOUBLE' : layout.types[j]!)}`);
  return `read_csv(${sqlString(path)}, ${layout.dialect}, header = true, ${CSV_NULLS}, buffer_size = ${BUFFER_BYTES}, columns = {${columns.join(', ')}})`;
}
