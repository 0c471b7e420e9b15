import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type * as DuckDBModule from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { TabularInputError, TableReaderUnavailableError } from './errors.js';
import { infiniteCellMessage, TextColumnBuilder, type Table, type TableColumn } from './table.js';

export type TableFormat = 'csv' | 'tsv' | 'json' | 'parquet';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'json', 'parquet'];

export interface ReadOptions {
  /** The file's format; default: from its extension (.csv, .tsv/.tab, .json/.ndjson/.jsonl, .parquet; any of the text ones may end in .gz). */
  format?: TableFormat;
}

/** Cells read as missing in a CSV/TSV, besides the empty cell (what R, pandas and spreadsheets write). */
const CSV_MISSING = ['', 'NA', 'N/A', 'na', 'n/a', 'NaN', 'nan', 'null', 'NULL', 'None', '?'];

const EXTENSIONS: Record<string, TableFormat> = {
  csv: 'csv', txt: 'csv', tsv: 'tsv', tab: 'tsv', json: 'json', ndjson: 'json', jsonl: 'json', parquet: 'parquet', pq: 'parquet',
};

function formatOf(path: string): TableFormat {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : 'csv';
  const format = EXTENSIONS[ext];
  if (!format) throw new TabularInputError(`${path}: unknown table format '.${ext}'; give a .csv, .tsv, .json, .ndjson or .parquet file (optionally .gz), or name the format (--format csv)`);
  return format;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The DuckDB table function that reads the file (its sniffer finds the dialect, header and types). */
function relationOf(path: string, format: TableFormat, header = true): string {
  const file = sqlString(path);
  const nulls = `[${CSV_MISSING.map(sqlString).join(', ')}]`;
  const options = header ? `header = true, nullstr = ${nulls}` : 'header = false, all_varchar = true';
  switch (format) {
    case 'csv':
      return `read_csv(${file}, ${options})`;
    case 'tsv':
      return `read_csv(${file}, ${options}, delim = '\\t')`;
    case 'json':
      return `read_json_auto(${file})`;
    case 'parquet':
      return `read_parquet(${file})`;
  }
}

/** Read a table (CSV/TSV, JSON/NDJSON, Parquet, gzipped text) from disk into typed columns, chunk by chunk. */
export async function readTable(path: string, options: ReadOptions = {}): Promise<Table> {
  if (!existsSync(path)) throw new TabularInputError(`no such file: ${path}; check the path`);
  if (statSync(path).isDirectory()) throw new TabularInputError(`${path} is a folder; give a table file (.csv, .tsv, .json, .parquet)`);
  if (statSync(path).size === 0) throw new TabularInputError(`${path} is empty; it needs a header and at least 3 rows`);
  const format = options.format ?? formatOf(path);
  if (format === 'csv' || format === 'tsv') await checkHeader(path, format);
  return queryTable(relationOf(path, format), path, { format });
}

/**
 * The header as written: DuckDB would rename a repeated name to `a_1` and an empty one to `column1`, so a user's
 * column could change name unseen. Refuse both; a header the sniffer cannot split names the likely ragged row.
 */
async function checkHeader(path: string, format: TableFormat): Promise<void> {
  const names = await withConnection(async (connection) => {
    const reader = await connection.runAndReadAll(`SELECT * FROM ${relationOf(path, format, false)} LIMIT 1`).catch((err: unknown) => {
      throw readError(err, path, format);
    });
    return (reader.getRows()[0] ?? []).map((cell) => (cell === null ? '' : String(cell)));
  });
  names.forEach((name, j) => {
    if (name.trim() === '') throw new TabularInputError(`${path}: column ${j + 1} of the header has no name; name it, or delete the column`);
    const first = names.indexOf(name);
    if (first < j) throw new TabularInputError(`${path} has the column name '${name}' twice (columns ${first + 1} and ${j + 1}); rename one`);
  });
}

interface QueryOptions {
  format: TableFormat;
  /** Extra columns as SQL expressions over the file's columns (bundled datasets' derived columns). */
  derived?: Record<string, string>;
}

/** Run `SELECT * FROM relation` (plus derived columns) through DuckDB into typed columns. */
export async function queryTable(relation: string, source: string, options: QueryOptions): Promise<Table> {
  return withConnection(async (connection) => {
    const described = await describe(connection, relation, source, options.format);
    const derived = Object.entries(options.derived ?? {});
    const columns = [...described.map((c) => ({ name: c.name, numeric: c.kind !== 'text' })), ...derived.map(([name]) => ({ name, numeric: true }))];
    const select = [
      ...described.map((c) => castOf(c.kind === 'date' ? decimalYear(sqlName(c.name)) : sqlName(c.name), c.kind !== 'text')),
      ...derived.map(([, expression]) => castOf(`(${expression})`, true)),
    ];
    const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${relation}`).catch((err: unknown) => {
      throw readError(err, source, options.format);
    });
    const sinks = columns.map((c) => (c.numeric ? new NumericSink(c.name) : new TextColumnBuilder(c.name)));
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk().catch((err: unknown) => {
        throw readError(err, source, options.format);
      });
      if (!chunk || chunk.rowCount === 0) break;
      sinks.forEach((sink, j) => appendVector(sink, chunk.getColumnVector(j), chunk.rowCount));
      rows += chunk.rowCount;
    }
    if (rows === 0) throw new TabularInputError(`${source} has a header but no rows`);
    const built = sinks.map((sink) => sink.build());
    refuseInfinite(built, source);
    return { source, rows, columns: built };
  });
}

/** Numbers become DOUBLE with NaN for missing (so a chunk copies as one block); anything else trimmed text. */
function castOf(expression: string, numeric: boolean): string {
  return numeric ? `coalesce(CAST(${expression} AS DOUBLE), 'NaN'::DOUBLE)` : `nullif(trim(CAST(${expression} AS VARCHAR)), '')`;
}

const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const DATE_TYPES = /^(DATE|TIMESTAMP.*)$/;

type ColumnKind = 'number' | 'date' | 'text';

/**
 * A date as its decimal year (2014-07-02 → 2014.5): ordered and in readable units, where one-hot levels would
 * lose the order and a day count would read as nonsense.
 */
function decimalYear(name: string): string {
  const start = `date_trunc('year', ${name})`;
  return `year(${name}) + (epoch(${name}) - epoch(${start})) / (epoch(${start} + INTERVAL 1 YEAR) - epoch(${start}))`;
}

async function describe(connection: DuckDBConnection, relation: string, source: string, format: TableFormat): Promise<{ name: string; kind: ColumnKind }[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`).catch((err: unknown) => {
    throw readError(err, source, format);
  });
  const kindOf = (type: string): ColumnKind => (NUMERIC_TYPES.test(type) ? 'number' : DATE_TYPES.test(type) ? 'date' : 'text');
  const columns = reader.getRows().map(([name, type]) => ({ name: String(name), kind: kindOf(String(type)) }));
  if ((format === 'csv' || format === 'tsv') && columns.length === 1 && /[,;\t|]/.test(columns[0]!.name)) {
    throw new TabularInputError(`${source}: the header '${columns[0]!.name}' could not be split into columns; check that every row has as many cells as the header (a ragged row)`);
  }
  return columns;
}

/** Collects a numeric column chunk by chunk, then joins the pieces once. */
class NumericSink {
  private readonly pieces: Float64Array[] = [];
  constructor(readonly name: string) {}
  push(piece: Float64Array): void {
    this.pieces.push(piece);
  }
  build(): TableColumn {
    const length = this.pieces.reduce((s, p) => s + p.length, 0);
    const values = new Float64Array(length);
    let offset = 0;
    for (const piece of this.pieces) {
      values.set(piece, offset);
      offset += piece.length;
    }
    this.pieces.length = 0;
    return { name: this.name, kind: 'number', values };
  }
}

function appendVector(sink: NumericSink | TextColumnBuilder, vector: DuckDBVector, count: number): void {
  if (sink instanceof NumericSink) {
    // The DOUBLE vector's items are a Float64Array over the chunk's memory (NULLs were coalesced to NaN): one copy.
    const items = (vector as unknown as { items?: unknown }).items;
    sink.push(items instanceof Float64Array ? items.slice(0, count) : Float64Array.from({ length: count }, (_, i) => Number(vector.getItem(i))));
    return;
  }
  for (let i = 0; i < count; i++) sink.push(vector.getItem(i) as string | null);
}

function refuseInfinite(columns: TableColumn[], source: string): void {
  for (const column of columns) {
    if (column.kind !== 'number') continue;
    const row = column.values.findIndex((v) => v === Infinity || v === -Infinity);
    if (row >= 0) throw new TabularInputError(infiniteCellMessage(source, column.name, row));
  }
}

/** DuckDB's message, first line, with the fix for the mistakes people make. */
function readError(err: unknown, source: string, format: TableFormat): Error {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.replace(/^[A-Za-z ]+ Error: /, '');
  if ((format === 'csv' || format === 'tsv') && mixesLineEndings(source)) {
    return new TabularInputError(`${source} mixes CRLF and LF line endings; convert it to one (e.g. dos2unix ${source})`);
  }
  const conversion = /Could not convert string "(.*)" to '?(\w+)'?/.exec(message);
  if (conversion) {
    const where = /column "?([^"\n]+?)"? \(?.*?(?:line|row):? ?(\d+)/i.exec(message);
    const cell = where ? `column '${where[1]}', line ${where[2]}` : 'a cell';
    return new TabularInputError(`${source}: ${cell} is '${conversion[1]}' in an otherwise numeric column; replace it with a number or leave it empty`);
  }
  if (/detect the CSV parsing dialect/.test(message)) {
    return new TabularInputError(`${source}: the CSV dialect could not be detected; check that every row has as many cells as the header (a ragged row), or name the format (--format)`);
  }
  return new TabularInputError(`${source} could not be read as ${format.toUpperCase()}: ${first}`);
}

/** Whether the file's first 64 kB hold both CRLF and bare LF line endings. */
function mixesLineEndings(path: string): boolean {
  if (!existsSync(path) || path.endsWith('.gz')) return false;
  const buffer = Buffer.alloc(65_536);
  const fd = openSync(path, 'r');
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const text = buffer.subarray(0, length).toString('latin1');
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length;
  return crlf > 0 && lf > crlf;
}

let duckdb: Promise<typeof DuckDBModule> | undefined;

/** The DuckDB module, loaded on first use; a binding that cannot load is named, not a stack trace. */
function loadDuckDB(): Promise<typeof DuckDBModule> {
  duckdb ??= import('@duckdb/node-api').catch((err: unknown) => {
    duckdb = undefined;
    throw new TableReaderUnavailableError(
      `the table reader (DuckDB's native binding, @duckdb/node-api) cannot load here: ${(err as Error).message.split('\n')[0]}; reinstall with pnpm install on a supported platform (Linux/macOS/Windows x64 or arm64)`,
    );
  });
  return duckdb;
}

async function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The reader and its version, for `duality info`. */
export async function readerInfo(): Promise<{ name: string; version: string }> {
  const { version } = await loadDuckDB();
  return { name: 'DuckDB (@duckdb/node-api)', version: version() };
}
