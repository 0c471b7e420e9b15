import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GNU_TIME = '/usr/bin/time';

/** What a child process cost: wall seconds, peak resident memory, exit status and output. */
export interface ChildRun {
  code: number;
  seconds: number;
  peakBytes: number;
  stdout: string;
  stderr: string;
}

/** Peak resident memory of a live process (VmHWM, monotone), or 0 once it is gone. */
function highWater(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.replace(/\D+/g, '')) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * `node args…` from the repository root, timed; its peak memory from GNU time's "Maximum resident set size" where
 * /usr/bin/time exists (exact), else by polling the child's VmHWM every 100 ms.
 */
export function timedNode(args: string[]): Promise<ChildRun> {
  const gnu = existsSync(GNU_TIME);
  const [command, argv] = gnu ? [GNU_TIME, ['-v', 'node', ...args]] : ['node', args];
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(command, argv, { cwd: root });
    let [stdout, stderr, polled] = ['', '', 0];
    const poll = gnu ? undefined : setInterval(() => (polled = Math.max(polled, highWater(child.pid!))), 100);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const reported = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const peakBytes = reported ? Number(reported[1]) * 1024 : polled;
      resolvePromise({ code: code ?? -1, seconds: (performance.now() - started) / 1000, peakBytes, stdout, stderr });
    });
  });
}

/** `duality <command> …` from source, as the README runs it. */
export function duality(command: string, args: string[]): Promise<ChildRun> {
  return timedNode(['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/cli/src/main.ts'), command, ...args]);
}

/** Loading alone: the CLI's reader on the file, in its own process (./load-table-main.ts). */
export function loadOnly(file: string): Promise<ChildRun> {
  return timedNode(['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/bench/src/load-table-main.ts'), file]);
}

/** A Parquet copy of a CSV through DuckDB (the reader's engine); seconds taken. */
export async function parquetCopy(csv: string, parquet: string): Promise<number> {
  const started = performance.now();
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const quoted = (path: string) => `'${path.replaceAll("'", "''")}'`;
    await connection.run(`COPY (SELECT * FROM read_csv(${quoted(csv)})) TO ${quoted(parquet)} (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return (performance.now() - started) / 1000;
}

/** The last lines of a failed child's error output, for a log line or an invariant's detail. */
export function tail(text: string, lines = 3): string {
  return text.trim().split('\n').filter((l) => !/^\s+(Command being timed|User time|System time|Percent|Elapsed|Average|Maximum|Major|Minor|Voluntary|Involuntary|Swaps|File system|Socket|Signals|Page size|Exit status)/.test(l)).slice(-lines).join(' | ');
}
