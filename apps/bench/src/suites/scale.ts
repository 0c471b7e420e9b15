import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, type AnalyzeRun as Run } from '../cli-analyze.js';
import type { BenchSuite, BenchTable, Invariant } from '../harness.js';
import { flightsRows, publishedCase } from '../published-data.js';
/** Training rows are 80% of a file's rows (the CLI's default test fraction). */
const TRAIN_SHARE = 0.8;
/** The low-rank runs' rank: the CLI's default when it switches (a quarter of the rows where that is less: at r ≥ n/2 the CLI stays dense). */
const RANK = 1000;

interface Dataset {
  name: string;
  target: string;
  /** A file with `rows` rows (train + test). */
  file(rows: number): string;
}


function flights(dir: string): Dataset {
  return {
    name: 'flights-200k (first rows)',
    target: 'delay',
    file(rows) {
      const path = join(dir, `flights-${rows}.json`);
      writeFileSync(path, JSON.stringify(flightsRows(rows)));
      return path;
    },
  };
}

function published(dir: string): Dataset {
  return {
    name: 'published simulation',
    target: 'y',
    file(rows) {
      const path = join(dir, `published-${rows}.csv`);
      writeFileSync(path, publishedCase(rows, 1).csv);
      return path;
    },
  };
}

const relative = (a: number, b: number) => Math.abs(a / b - 1);
const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
const fixed = (x: number, digits = 4) => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));

/** The errors of a low-rank run against the dense one, as the acceptance names them (test loss: at REML's and LOO's stops). */
function errors(low: Run, dense: Run) {
  return {
    logP: relative(low.logP, dense.logP),
    reml: relative(low.reml, dense.reml),
    gcv: relative(low.gcv, dense.gcv),
    loo: relative(low.loo, dense.loo),
    testLoss: Math.max(relative(low.testLoss.reml, dense.testLoss.reml), relative(low.testLoss.loo, dense.testLoss.loo)),
  };
}

/** Test ½MSE at REML's / LOO's / GCV's stops. */
const testLosses = (run: Run) => `${fixed(run.testLoss.reml)} / ${fixed(run.testLoss.loo)} / ${fixed(run.testLoss.gcv)}`;

type Errors = ReturnType<typeof errors>;

interface Comparison {
  dataset: string;
  kernel: string;
  n: number;
  dense: Run;
  lowRank: Record<'isotropic' | 'zero', Run>;
}

function comparisonRows(c: Comparison): (string | number)[][] {
  const rank = rankAt(c.n);
  const row = (path: string, run: Run, e?: Errors) => [
    c.dataset, c.kernel, c.n, path, run.seconds.toFixed(1), gb(run.peakBytes), fixed(run.logP), fixed(run.reml), fixed(run.gcv), fixed(run.loo), fixed(run.edf), testLosses(run),
    e ? `${(100 * e.logP).toFixed(2)} / ${(100 * e.reml).toFixed(2)} / ${(100 * e.gcv).toFixed(2)} / ${(100 * e.loo).toFixed(2)} / ${(100 * e.testLoss).toFixed(2)}` : '—',
  ];
  return [
    row('dense', c.dense),
    row(`rank ${rank}, isotropic remainder`, c.lowRank.isotropic, errors(c.lowRank.isotropic, c.dense)),
    row(`rank ${rank}, zero remainder`, c.lowRank.zero, errors(c.lowRank.zero, c.dense)),
  ];
}

/** Mean relative error over the five statistics and every comparison, per remainder: the better one is the default. */
function remainderVerdict(comparisons: Comparison[]): { table: BenchTable; better: 'isotropic' | 'zero' } {
  const mean = (kind: 'isotropic' | 'zero', key: keyof Errors) =>
    comparisons.reduce((s, c) => s + errors(c.lowRank[kind], c.dense)[key], 0) / Math.max(comparisons.length, 1);
  const keys: (keyof Errors)[] = ['logP', 'reml', 'gcv', 'loo', 'testLoss'];
  const overall = (kind: 'isotropic' | 'zero') => keys.reduce((s, k) => s + mean(kind, k), 0) / keys.length;
  const better = overall('isotropic') <= overall('zero') ? 'isotropic' : 'zero';
  return {
    better,
    table: {
      title: 'Which remainder agrees better with the dense path: mean relative error over every comparison above (%)',
      columns: ['remainder', 'log p', 'REML t̂', 'GCV t̂', 'LOO t̂', 'test loss at REML’s and LOO’s stops (the larger)', 'mean of the five'],
      rows: (['isotropic', 'zero'] as const).map((kind) => [kind, ...keys.map((k) => (100 * mean(kind, k)).toFixed(2)), (100 * overall(kind)).toFixed(2)]),
      notes: [`The better one (${better}) should be the default of \`--remainder\`.`],
    },
  };
}

interface Sizes {
  kernels: string[];
  compareAt: number[];
  lowRankAt: number[];
}

/** Dense, then low rank with each remainder, on the same file, kernel and seed. */
async function compareCells(data: Dataset, sizes: Sizes, log: (line: string) => void): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const n of sizes.compareAt) {
    const file = data.file(Math.round(n / TRAIN_SHARE));
    for (const kernel of sizes.kernels) {
      const base = ['--kernel', kernel];
      const dense = await analyze(file, data.target, [...base, '--rank', 'full']);
      const rank = String(rankAt(n));
      const isotropic = await analyze(file, data.target, [...base, '--rank', rank, '--remainder', 'isotropic']);
      const zero = await analyze(file, data.target, [...base, '--rank', rank, '--remainder', 'zero']);
      log(`${data.name} n=${n} ${kernel}: dense ${dense.seconds.toFixed(1)} s, low rank ${zero.seconds.toFixed(1)} s`);
      out.push({ dataset: data.name, kernel, n, dense, lowRank: { isotropic, zero } });
    }
  }
  return out;
}

/** Low rank alone at the large sizes; the largest with the defaults, where 'auto' must switch by itself and say why. */
async function scaledCells(data: Dataset, sizes: Sizes, log: (line: string) => void): Promise<{ rows: (string | number)[][]; invariants: Invariant[] }> {
  const rows: (string | number)[][] = [];
  const invariants: Invariant[] = [];
  for (const n of sizes.lowRankAt) {
    const file = data.file(Math.round(n / TRAIN_SHARE));
    for (const kernel of sizes.kernels) {
      const run = await analyze(file, data.target, ['--kernel', kernel, ...(n === 100_000 ? [] : ['--rank', String(RANK)])]);
      log(`${data.name} n=${n} ${kernel}: ${run.seconds.toFixed(1)} s, ${gb(run.peakBytes)} GB`);
      rows.push([data.name, kernel, n, n === 100_000 ? 'auto' : String(RANK), run.seconds.toFixed(1), gb(run.peakBytes), fixed(run.logP), fixed(run.reml), fixed(run.gcv), fixed(run.loo), fixed(run.edf), testLosses(run), fixed(run.traceCaptured ?? NaN, 3)]);
      if (n !== 100_000) continue;
      invariants.push({ name: `${data.name}, ${kernel}, 100,000 rows: 'auto' switched to low rank`, ok: run.reason !== undefined, detail: run.reason ?? 'dense' });
      invariants.push({ name: `${data.name}, ${kernel}, 100,000 rows: peak memory ≤ 6 GB`, ok: run.peakBytes <= 6e9, detail: `${gb(run.peakBytes)} GB` });
    }
  }
  return { rows, invariants };
}

/** Finite statistics everywhere; at the acceptance size the default remainder's errors against dense. */
function comparisonInvariants(comparisons: Comparison[], acceptanceAt: number | undefined): Invariant[] {
  return comparisons.flatMap((c) => {
    const runs = [c.dense, c.lowRank.isotropic, c.lowRank.zero];
    const finite: Invariant = { name: `${c.dataset} n=${c.n} ${c.kernel}: every statistic finite`, ok: runs.every((r) => [r.logP, r.reml, r.edf, r.testLoss.reml, r.testLoss.loo].every(Number.isFinite)), detail: '' };
    if (c.n !== acceptanceAt) return [finite];
    const e = errors(c.lowRank.zero, c.dense);
    return [finite, { name: `${c.dataset} n=${c.n} ${c.kernel}: low rank (default remainder) within the acceptance (log p, REML t̂ 5%; test loss at REML's and LOO's stops 1%)`, ok: e.logP <= 0.05 && e.reml <= 0.05 && e.testLoss <= 0.01, detail: JSON.stringify(e) }];
  });
}

/** The comparison's rank: the CLI's default when it switches, a quarter of the rows where that is less (at r ≥ n/2 the CLI stays dense). */
const rankAt = (n: number) => Math.min(RANK, Math.floor(n / 4));

export const scaleSuite: BenchSuite = {
  name: 'scale',
  description: 'past the dense limit: dense against a Nyström kernel (rank min(1000, n/4)) at n = 2,000 to 10,000, then low rank alone to 100,000 rows (wall, peak memory, p, t̂, edf, test loss)',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'duality-scale-'));
    try {
      const sizes = { kernels: ctx.quick ? ['analytic'] : ['analytic', 'empirical'], compareAt: ctx.quick ? [2500] : [2000, 5000, 10_000], lowRankAt: ctx.quick ? [] : [20_000, 50_000, 100_000] };
      const datasets = ctx.quick ? [published(dir)] : [published(dir), flights(dir)];
      const comparisons: Comparison[] = [];
      const scaled: (string | number)[][] = [];
      const invariants: Invariant[] = [];
      for (const data of datasets) {
        comparisons.push(...(await compareCells(data, sizes, ctx.log)));
        const large = await scaledCells(data, sizes, ctx.log);
        scaled.push(...large.rows);
        invariants.push(...large.invariants);
      }
      invariants.push(...comparisonInvariants(comparisons, ctx.quick ? undefined : sizes.compareAt.at(-1)));
      const verdict = remainderVerdict(comparisons);
      const statColumns = ['log p', 'REML t̂', 'GCV t̂', 'LOO t̂', 'edf(t̂)', 'test ½MSE at REML / LOO / GCV stops (kernel model)'];
      const tables: BenchTable[] = [
        {
          title: 'Dense against low rank: `duality analyze` on the same data, kernel and seed',
          columns: ['data', 'kernel', 'training rows', 'kernel path', 'wall s', 'peak GB', ...statColumns, 'relative error % (log p / REML t̂ / GCV t̂ / LOO t̂ / test loss at REML’s and LOO’s stops)'],
          rows: comparisons.flatMap(comparisonRows),
          notes: [
            `\`duality analyze FILE --target T --json --kernel K --rank full|r [--remainder zero]\` with r = min(${RANK}, n/4), every other option at its default (default network 256×256 for the empirical kernel, 80% of rows for training). Peak memory: the child process’s VmHWM, polled every 0.1 s.`,
          ],
        },
        verdict.table,
      ];
      if (scaled.length > 0) {
        tables.push({
          title: 'Low rank alone up to 100,000 training rows (100,000: the defaults, `--rank auto`)',
          columns: ['data', 'kernel', 'training rows', '--rank', 'wall s', 'peak GB', ...statColumns, 'share of tr Θ held'],
          rows: scaled,
        });
      }
      return { tables, invariants, data: { comparisons, scaled, betterRemainder: verdict.better } };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
