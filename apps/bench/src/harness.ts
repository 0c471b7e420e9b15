import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** A table of results; machine-dependent figures go in as ratios to a baseline from the same run. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

/** A property the run must keep (no NaN, a size inside its interval, backends agreeing): never a timing. */
export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SuiteResult {
  tables: BenchTable[];
  invariants: Invariant[];
  /** Raw measurements, written to the suite's JSON. */
  data?: unknown;
}

export interface BenchContext {
  /** The CI mode: small sizes, finishes in seconds, still checks invariants. */
  quick: boolean;
  log(line: string): void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}

export interface Timing {
  /** Seconds. */
  median: number;
  min: number;
  runs: number;
}

/**
 * Time `fn`: at least `minRuns` runs and until `minSeconds` have passed (whichever is later),
 * at most `maxRuns`. One untimed warm-up run first unless `warmup` is false.
 */
export function timeIt(
  fn: () => unknown,
  { minRuns = 3, maxRuns = 50, minSeconds = 0.5, warmup = true } = {},
): Timing {
  if (warmup) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minSeconds * 1000)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((x, y) => x - y);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, runs: times.length };
}

export function formatSeconds(s: number): string {
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

export function markdownTable(t: BenchTable): string {
  const head = `| ${t.columns.join(' | ')} |\n| ${t.columns.map(() => '---').join(' | ')} |`;
  const body = t.rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
  const notes = (t.notes ?? []).map((n) => `\n${n}`).join('\n');
  return `### ${t.title}\n\n${head}\n${body}\n${notes}\n`;
}

/** Write `<dir>/<suite>.json` and `<dir>/<suite>.md`; returns the Markdown. */
export function writeSuiteResult(dir: string, suite: BenchSuite, result: SuiteResult, meta: object): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite.name}.json`), JSON.stringify({ suite: suite.name, ...meta, ...result }, null, 2));
  const inv = result.invariants.map((i) => `- ${i.ok ? 'ok' : 'BROKEN'}: ${i.name}: ${i.detail}`).join('\n');
  const md =
    `## ${suite.name}: ${suite.description}\n\n` +
    result.tables.map(markdownTable).join('\n') +
    (inv ? `\nInvariants:\n\n${inv}\n` : '');
  writeFileSync(join(dir, `${suite.name}.md`), md);
  return md;
}
