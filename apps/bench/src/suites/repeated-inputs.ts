import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, type AnalyzeRun } from '../cli-analyze.js';
import type { BenchSuite } from '../harness.js';
import { flightsRows } from '../published-data.js';
import { medianQuartiles, quantile } from '../statistics.js';

const RULES = ['reml', 'loo', 'gcv'] as const;
/** The first rows of flights-200k: 1,713 distinct (distance, time) among 2,500 rows; half the rows share theirs with another. */
const ROWS = 2500;

export const repeatedInputsSuite: BenchSuite = {
  name: 'repeated-inputs',
  description: 'stage-2 rules on real data with repeated inputs (flights-200k\'s first 2,500 rows): `duality analyze` defaults over random splits',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'duality-repeated-'));
    try {
      const file = join(dir, 'flights.json');
      writeFileSync(file, JSON.stringify(flightsRows(ROWS)));
      const seeds = ctx.quick ? [1, 3] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      const runs: { seed: number; run: AnalyzeRun }[] = [];
      for (const seed of seeds) {
        runs.push({ seed, run: await analyze(file, 'delay', ['--seed', String(seed)]) });
        ctx.log(`split ${seed}: ${RULES.map((r) => `${r} ${runs.at(-1)!.run.steps[r]}`).join(', ')}`);
      }
      const losses = (rule: (typeof RULES)[number]) => runs.map((r) => r.run.testLoss[rule]);
      const medians = Object.fromEntries(RULES.map((rule) => [rule, quantile(losses(rule), 0.5)])) as Record<(typeof RULES)[number], number>;
      return {
        tables: [
          {
            title: `flights-200k, first ${ROWS} rows (80/20 splits): each rule's stop and the kernel model's test ½MSE there, the CLI's defaults (empirical NTK of the default network)`,
            columns: ['split', ...RULES.flatMap((r) => [`${r} steps`, `${r} test ½MSE`])],
            rows: [
              ...runs.map(({ seed, run }) => [seed, ...RULES.flatMap((r) => [run.steps[r], run.testLoss[r].toPrecision(4)])]),
              ['median [quartiles]', ...RULES.flatMap((r) => ['', medianQuartiles(losses(r), 4)])],
            ],
            notes: [`\`duality analyze flights.json --target delay --seed S --json\` (every other option at its default), flights.json the first ${ROWS} records of vega-datasets/flights-200k.json.`],
          },
        ],
        invariants: [
          { name: 'every rule\'s predicted test loss is finite', ok: runs.every(({ run }) => RULES.every((r) => Number.isFinite(run.testLoss[r]))), detail: '' },
          { name: 'the default rule (leave-one-out) is within 3% of REML or better, in median', ok: medians.loo <= 1.03 * medians.reml, detail: JSON.stringify(medians) },
        ],
        data: runs,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
