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
export async function withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
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

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function sqlName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
