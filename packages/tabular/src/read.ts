import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { columnParts, scanInParts, scanWorkers, type ScanColumn } from './column-scan.js';
import { csvLayout, csvRelation, type CsvLayout } from './csv-dialect.js';
import { sqlName, sqlString, withConnection, withConnections } from './duckdb.js';
import { TabularInputError } from './errors.js';
import { numericSlots, NumericSink } from './numeric-sink.js';
import { infiniteCellMessage, TextColumnBuilder, type Table } from './table.js';

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
    const table = await readQuery([connection], relation, path, format, {}, rowCapacity(path));
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

/**
 * Run `SELECT * FROM relation` (plus derived columns) through DuckDB into typed columns. Parquet stores each column
 * apart, so its columns are read in parts, side by side on one-thread connections (column-scan.ts says why); a
 * text format would be parsed once per part, so it is read in one scan.
 */
export function queryTable(relation: string, source: string, options: QueryOptions): Promise<Table> {
  const inParts = options.format === 'parquet';
  return withConnections(inParts ? scanWorkers() : 1, inParts ? { threads: '1' } : {}, async (connections) => {
    // A streamed read that fails mid-way ends like one that is done: count the rows apart (Parquet: from its
    // metadata), which also lets each column be allocated once.
    const counted = await connections[0]!.runAndReadAll(`SELECT count(*) FROM ${relation}`).catch((err: unknown) => {
      throw readError(err, source, options.format);
    });
    const rows = Number(counted.getRows()[0]![0]);
    // Each part's scan would parse the file's footer again (tens of ms for thousands of columns); the count has
    // loaded the Parquet extension, which owns this setting.
    if (inParts) await connections[0]!.run('SET GLOBAL parquet_metadata_cache = true');
    return readQuery(connections, relation, source, options.format, options.derived ?? {}, rows, rows);
  });
}

/**
 * `capacity`: the rows each numeric column is allocated for up front (the exact count, or an estimate); more spill
 * into pieces. `expected`: the exact row count where known. More than one connection: the columns are read in
 * parts, one connection per part at a time.
 */
async function readQuery(connections: DuckDBConnection[], relation: string, source: string, format: TableFormat, derivedColumns: Record<string, string>, capacity?: number, expected?: number): Promise<Table> {
  const fail = (err: unknown): never => {
    throw readError(err, source, format);
  };
  const described = await describe(connections[0]!, relation).catch(fail);
  const columns: ScanColumn[] = [
    ...described.map((c) => ({ name: c.name, numeric: c.kind !== 'text', expression: castOf(c.kind === 'date' ? decimalYear(sqlName(c.name)) : sqlName(c.name), c.kind !== 'text') })),
    ...Object.entries(derivedColumns).map(([name, expression]) => ({ name, numeric: true, expression: castOf(`(${expression})`, true) })),
  ];
  const slots = numericSlots(columns.filter((c) => c.numeric).length, capacity, expected !== undefined && capacity === expected);
  let slot = 0;
  const sinks = columns.map((c) => (c.numeric ? new NumericSink(c.name, slots[slot++]!) : new TextColumnBuilder(c.name)));
  const parts = connections.length > 1 && expected !== undefined ? columnParts(columns.length, expected, connections.length) : [[0, columns.length] as [number, number]];
  const counts = await scanInParts(connections, relation, columns, sinks, parts).catch(fail);
  const rows = Math.min(...counts);
  if (rows === 0 && !expected) throw new TabularInputError(`${source} has a header but no rows`);
  if ((expected !== undefined && rows !== expected) || counts.some((n) => n !== rows)) {
    throw new TabularInputError(`${source}: reading stopped after ${rows} of ${expected ?? Math.max(...counts)} rows; check the file from row ${rows + 1} on`);
  }
  const infinite = sinks.find((sink): sink is NumericSink => sink instanceof NumericSink && sink.firstInfinite >= 0);
  if (infinite) throw new TabularInputError(infiniteCellMessage(source, infinite.name, infinite.firstInfinite));
  return { source, rows, columns: sinks.map((sink) => sink.build()) };
}

/**
 * Numbers become DOUBLE (a chunk copies as one block; its NULLs become NaN in JS from the validity mask, which costs
 * far less than a coalesce per cell); anything else trimmed text.
 */
function castOf(expression: string, numeric: boolean): string {
  return numeric ? `CAST(${expression} AS DOUBLE)` : `nullif(trim(CAST(${expression} AS VARCHAR)), '')`;
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
  const text = fileHead(path, 65_536).toString('latin1');
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length;
  return crlf > 0 && lf > crlf;
}

/**
 * Rows to allocate each numeric column for: the file's size over the mean line length of its first MiB, with a
 * margin (a short estimate spills into pieces; a long one costs only address space). Undefined for a gzipped file.
 */
function rowCapacity(path: string): number | undefined {
  if (path.endsWith('.gz')) return undefined;
  const head = fileHead(path, 1 << 20);
  let lines = 0;
  for (let at = head.indexOf(10); at >= 0; at = head.indexOf(10, at + 1)) lines++;
  if (lines === 0) return undefined;
  return Math.ceil(1.25 * lines * (statSync(path).size / head.length)) + 2048;
}

/** The first `bytes` of a file (fewer if it is shorter). */
function fileHead(path: string, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
