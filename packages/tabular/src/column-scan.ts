import { availableParallelism } from 'node:os';
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { NumericSink } from './numeric-sink.js';
import type { TextColumnBuilder } from './table.js';

/** One column of a read: its name in the table and the SQL expression over the file's columns that yields it. */
export interface ScanColumn {
  name: string;
  numeric: boolean;
  expression: string;
}

/** Where a column's cells go: numbers into a Float64Array slot, text into codes and levels. */
export type ColumnSink = NumericSink | TextColumnBuilder;

/**
 * Cells a part holds. DuckDB decodes a Parquet row group into buffers that live as long as the scan (the compressed
 * column chunks, then the decompressed pages, each a column's full length), and this machine pays seconds a GB for
 * memory touched the first time. Parts of a few MB of buffers hand that memory on to the next part already touched
 * (measured at 10,000 × 2,926 in one row group: 0.98 GB of page faults in one scan, 0.55 GB in parts of 2 million
 * cells, 0.23 GB of it the table's own columns). At 50,000 rows, parts of 1, 2, 4 and 8 million cells cost 9.7,
 * 7.7, 8.0 and 8.8–9.9 s of CPU: smaller parts pay for more queries, larger ones for fresh memory.
 */
const PART_CELLS = 2_000_000;

/**
 * Scans that run side by side, each on its own connection to a one-thread database: DuckDB parallelises a Parquet
 * scan only across row groups (the files people write often hold one, and a second thread then only spins waiting
 * for work), so the parallelism comes from scanning parts at once. One per core, at most 4 (the Node thread pool
 * that runs them).
 */
export function scanWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * `columns` split into contiguous parts of about `PART_CELLS` cells over `rows` rows, as even as can be and at
 * least one per worker where there are columns enough (so that every core has a part to read).
 */
export function columnParts(columns: number, rows: number, workers: number): [number, number][] {
  const count = Math.min(columns, Math.max(workers, Math.ceil((columns * rows) / PART_CELLS)));
  return Array.from({ length: count }, (_, p) => [Math.floor((p * columns) / count), Math.floor(((p + 1) * columns) / count)]);
}

/**
 * Read `columns` of `relation` into `sinks`, part by part, one part at a time per connection, the connections side
 * by side. Returns the rows each part read (they agree unless a scan stopped early). The first error stops new
 * parts and is thrown once every scan in flight has ended (a connection is never closed under a running scan).
 */
export async function scanInParts(connections: DuckDBConnection[], relation: string, columns: ScanColumn[], sinks: ColumnSink[], parts: [number, number][]): Promise<number[]> {
  const counts: number[] = [];
  let next = 0;
  let failed = false;
  const work = async (connection: DuckDBConnection) => {
    while (!failed && next < parts.length) {
      const part = next++;
      const [start, end] = parts[part]!;
      try {
        counts[part] = await scanColumns(connection, relation, columns.slice(start, end), sinks.slice(start, end));
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(connections.map(work));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return counts;
}

/** Stream `SELECT columns FROM relation` into the columns' sinks chunk by chunk; the rows read. */
async function scanColumns(connection: DuckDBConnection, relation: string, columns: ScanColumn[], sinks: ColumnSink[]): Promise<number> {
  const result = await connection.stream(`SELECT ${columns.map((c) => c.expression).join(', ')} FROM ${relation}`);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return rows;
    sinks.forEach((sink, j) => appendVector(sink, chunk.getColumnVector(j), chunk.rowCount));
    rows += chunk.rowCount;
  }
}

function appendVector(sink: ColumnSink, vector: DuckDBVector, count: number): void {
  if (sink instanceof NumericSink) return sink.push(vector, count);
  for (let i = 0; i < count; i++) sink.push(vector.getItem(i) as string | null);
}
