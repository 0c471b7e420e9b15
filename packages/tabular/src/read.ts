import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { csvLayout, csvRelation, type CsvLayout } from './csv-dialect.js';
import { sqlName, sqlString, withConnection } from './duckdb.js';
import { TabularInputError } from './errors.js';
import { infiniteCellMessage, TextColumnBuilder, type Table, type TableColumn } from './table.js';

export type TableFormat = 'csv' | 'tsv' | 'json' | 'parquet';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'json', 'parquet'];

export interface ReadOptions {
  /** The file's format; default: from its extension (.csv, .tsv/.tab, .json/.ndjson/.jsonl, .parquet; any of the text ones may end in .gz). */
  format?: TableFormat;
}

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

/** Read a table (CSV/TSV, JSON/NDJSON, Parquet, gzipped text) from disk into typed columns, chunk by chunk. */
export async function readTable(path: string, options: ReadOptions = {}): Promise<Table> {
  if (!existsSync(path)) throw new TabularInputError(`no such file: ${path}; check the path`);
  if (statSync(path).isDirectory()) throw new TabularInputError(`${path} is a folder; give a table file (.csv, .tsv, .json, .parquet)`);
  if (statSync(path).size === 0) throw new TabularInputError(`${path} is empty; it needs a header and at least 3 rows`);
  const format = options.format ?? formatOf(path);
  if (format === 'json') return queryTable(`read_json_auto(${sqlString(path)})`, path, { format });
  if (format === 'parquet') return queryTable(`read_parquet(${sqlString(path)})`, path, { format });
  return withConnection(async (connection) => {
    const layout = await csvLayout(connection, path, format === 'tsv').catch((err: unknown) => {
      throw readError(err, path, format);
    });
    return readCsv(connection, path, layout, format);
  });
}

/**
 * Read with DuckDB's rejects table on: a streamed query that fails mid-way ends like one that is done (the node
 * binding does not surface the error), so every bad line is collected instead, and a column that turns out to hold
 * text past the sniffer's sample is read again as text (then skipped, or named, downstream).
 */
async function readCsv(connection: DuckDBConnection, path: string, layout: CsvLayout, format: TableFormat): Promise<Table> {
  for (let attempt = 0; ; attempt++) {
    const rejects = `rejects_table = 'rejects_${attempt}', rejects_scan = 'scans_${attempt}', store_rejects = true`;
    const relation = csvRelation(path, layout, (type) => kindOf(type) === 'number').replace(/\)$/, `, ${rejects})`);
    const table = await readQuery(connection, relation, path, format, {});
    const reader = await connection.runAndReadAll(`SELECT line, column_name, error_type, csv_line, error_message FROM rejects_${attempt} ORDER BY line`);
    const errors = reader.getRowObjectsJS() as { line: bigint; column_name: string; error_type: string; csv_line: string; error_message: string }[];
    if (errors.length === 0) return table;
    const other = errors.find((e) => e.error_type !== 'CAST');
    if (other || attempt >= 8) {
      const e = other ?? errors[0]!;
      throw new TabularInputError(`${path}, line ${e.line}: ${e.error_message} ('${e.csv_line.slice(0, 80)}'); fix the row, then read the file again`);
    }
    for (const name of new Set(errors.map((e) => e.column_name))) layout.types[layout.names.indexOf(name)] = 'VARCHAR';
  }
}

interface QueryOptions {
  format: TableFormat;
  /** Extra columns as SQL expressions over the file's columns (bundled datasets' derived columns). */
  derived?: Record<string, string>;
}

/** Run `SELECT * FROM relation` (plus derived columns) through DuckDB into typed columns. */
export function queryTable(relation: string, source: string, options: QueryOptions): Promise<Table> {
  return withConnection(async (connection) => {
    // A streamed read that fails mid-way ends like one that is done: count the rows apart (Parquet: from its
    // metadata), which also lets each column be allocated once.
    const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${relation}`).catch((err: unknown) => {
      throw readError(err, source, options.format);
    });
    const rows = Number(counted.getRows()[0]![0]);
    const table = await readQuery(connection, relation, source, options.format, options.derived ?? {}, rows);
    if (rows !== table.rows) throw new TabularInputError(`${source}: reading stopped after ${table.rows} of ${rows} rows; check the file from row ${table.rows + 1} on`);
    return table;
  });
}

async function readQuery(connection: DuckDBConnection, relation: string, source: string, format: TableFormat, derivedColumns: Record<string, string>, expectedRows?: number): Promise<Table> {
  const fail = (err: unknown): never => {
    throw readError(err, source, format);
  };
  const described = await describe(connection, relation).catch(fail);
  const derived = Object.entries(derivedColumns);
  const columns = [...described.map((c) => ({ name: c.name, numeric: c.kind !== 'text' })), ...derived.map(([name]) => ({ name, numeric: true }))];
  const select = [
    ...described.map((c) => castOf(c.kind === 'date' ? decimalYear(sqlName(c.name)) : sqlName(c.name), c.kind !== 'text')),
    ...derived.map(([, expression]) => castOf(`(${expression})`, true)),
  ];
  const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${relation}`).catch(fail);
  const sinks = columns.map((c) => (c.numeric ? new NumericSink(c.name, expectedRows) : new TextColumnBuilder(c.name)));
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    sinks.forEach((sink, j) => appendVector(sink, chunk.getColumnVector(j), chunk.rowCount));
    rows += chunk.rowCount;
  }
  if (rows === 0) throw new TabularInputError(`${source} has a header but no rows`);
  const built = sinks.map((sink) => sink.build());
  refuseInfinite(built, source);
  return { source, rows, columns: built };
}

/** Numbers become DOUBLE with NaN for missing (so a chunk copies as one block); anything else trimmed text. */
function castOf(expression: string, numeric: boolean): string {
  return numeric ? `coalesce(CAST(${expression} AS DOUBLE), 'NaN'::DOUBLE)` : `nullif(trim(CAST(${expression} AS VARCHAR)), '')`;
}

const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const DATE_TYPES = /^(DATE|TIMESTAMP.*)$/;

function kindOf(type: string): 'number' | 'date' | 'text' {
  return NUMERIC_TYPES.test(type) ? 'number' : DATE_TYPES.test(type) ? 'date' : 'text';
}

/**
 * A date as its decimal year (2014-07-02 → 2014.5): ordered and in readable units, where one-hot levels would
 * lose the order and a day count would read as nonsense.
 */
function decimalYear(name: string): string {
  const start = `date_trunc('year', ${name})`;
  return `year(${name}) + (epoch(${name}) - epoch(${start})) / (epoch(${start} + INTERVAL 1 YEAR) - epoch(${start}))`;
}

async function describe(connection: DuckDBConnection, relation: string): Promise<{ name: string; kind: 'number' | 'date' | 'text' }[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return reader.getRows().map(([name, type]) => ({ name: String(name), kind: kindOf(String(type)) }));
}

/** Collects a numeric column chunk by chunk, then joins the pieces once. */
class NumericSink {
  private readonly pieces: Float64Array[] = [];
  private filled = 0;
  /** With the row count known in advance (Parquet, JSON), chunks are copied straight into the column. */
  private readonly column?: Float64Array;
  constructor(
    readonly name: string,
    rows?: number,
  ) {
    if (rows !== undefined) this.column = new Float64Array(rows);
  }
  push(items: Float64Array): void {
    if (this.column && this.filled + items.length <= this.column.length) this.column.set(items, this.filled);
    else this.pieces.push(items.slice());
    this.filled += items.length;
  }
  build(): TableColumn {
    if (this.column && this.filled === this.column.length) return { name: this.name, kind: 'number', values: this.column };
    const values = new Float64Array(this.pieces.reduce((s, p) => s + p.length, 0));
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
    sink.push(items instanceof Float64Array ? items.subarray(0, count) : Float64Array.from({ length: count }, (_, i) => Number(vector.getItem(i))));
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
  if (err instanceof TabularInputError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.replace(/^[A-Za-z ]+ Error: /, '');
  if ((format === 'csv' || format === 'tsv') && mixesLineEndings(source)) {
    return new TabularInputError(`${source} mixes CRLF and LF line endings; convert it to one (e.g. dos2unix ${source})`);
  }
  if (/detect the CSV parsing dialect/.test(message)) {
    return new TabularInputError(`${source}: the CSV dialect could not be detected; check that every row has as many cells as the header (a ragged row), or name the format (--format)`);
  }
  const line = /CSV Error on Line: (\d+)/.exec(message);
  return new TabularInputError(`${source} could not be read as ${format.toUpperCase()}${line ? ` (line ${line[1]})` : ''}: ${first}`);
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
