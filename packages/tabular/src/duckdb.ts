import type * as DuckDBModule from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TableReaderUnavailableError } from './errors.js';

let duckdb: Promise<typeof DuckDBModule> | undefined;

/** The DuckDB module, loaded on first use; a binding that cannot load is named, not a stack trace. */
function loadDuckDB(): Promise<typeof DuckDBModule> {
  duckdb ??= import('@duckdb/node-api').catch((err: unknown) => {
    duckdb = undefined;
    throw new TableReaderUnavailableError(
      `the table reader (DuckDB's native binding, @duckdb/node-api) cannot load here: ${(err as Error).message.split('\n')[0]}; ` +
        'reinstall with pnpm install on a supported platform (Linux, macOS or Windows; x64 or arm64)',
    );
  });
  return duckdb;
}

/** Run `work` on a fresh in-memory database, closed afterwards whatever happens. */
export function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  return withConnections(1, {}, ([connection]) => work(connection!));
}

/**
 * Run `work` on `count` connections to one fresh in-memory database with the given settings (e.g. `threads`), so
 * that queries can run side by side; all closed afterwards whatever happens.
 */
export async function withConnections<T>(count: number, settings: Record<string, string>, work: (connections: DuckDBConnection[]) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(':memory:', settings);
  const connections: DuckDBConnection[] = [];
  try {
    for (let i = 0; i < count; i++) connections.push(await instance.connect());
    return await work(connections);
  } finally {
    for (const connection of connections) connection.closeSync();
    instance.closeSync();
  }
}

/** The reader and its version, for `duality info`. */
export async function readerInfo(): Promise<{ name: string; version: string }> {
  const { version } = await loadDuckDB();
  return { name: 'DuckDB (@duckdb/node-api)', version: version() };
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
