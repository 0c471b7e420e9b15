import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededPermutation } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { prepareDesign, readTable, type Design } from '@duality/tabular';
import { analyzeTwoStage, defaultNetworkSpec } from '@duality/trainer';
import { writeBiobankCsv, type BiobankSpec } from '../biobank-generator.js';
import type { BenchSuite, Invariant } from '../harness.js';
import { binomialAcceptance } from '../statistics.js';

const ALPHA = 0.05;

/**
 * The CLI's data path on a wide table with gaps: the CSV written, read by the reader, features imputed with the
 * defaults (median from the training rows), standardised, split 80/20 (seed 0).
 */
async function imputedDesign(spec: BiobankSpec): Promise<{ design: Design; readSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'duality-impute-size-'));
  try {
    const path = join(dir, 'wide.csv');
    writeBiobankCsv(path, spec);
    const started = performance.now();
    const design = prepareDesign(await readTable(path), { target: 'age', seed: 0, testFraction: 0.2 });
    return { design, readSeconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Size of the score test with the default imputation on (math.md §7.1): the fill values use X alone, so with the
 * target permuted the test must reject at rate α. Each replicate permutes the training targets and draws a fresh
 * default network (seed r), the whole `analyze` path.
 */
export const imputeSizeSuite: BenchSuite = {
  name: 'impute-size',
  description: 'size of the score test on a wide table with 2% of cells missing, imputed by default, with the target permuted',
  async run(ctx) {
    await initTensorflow();
    const spec: BiobankSpec = ctx.quick ? { rows: 300, columns: 60, seed: 11 } : { rows: 5000, columns: 2923, seed: 11 };
    const replicates = ctx.quick ? 20 : 24;
    const { design, readSeconds } = await imputedDesign(spec);
    const imputed = design.missing.imputed.reduce((s, c) => s + c.train + c.test, 0);
    ctx.log(`${spec.rows} × ${spec.columns}: read and imputed in ${readSeconds.toFixed(1)} s, ${imputed} cells filled, ${design.train.x.rows} training rows`);
    const y = design.train.y.data;
    let rejections = 0;
    let nonFinite = 0;
    const started = performance.now();
    for (let r = 0; r < replicates; r++) {
      const network = buildNetwork(defaultNetworkSpec(design.train.x.cols), { seed: r + 1 });
      const permuted = Float64Array.from(seededPermutation(y.length, 104_729 * (r + 1)), (i) => y[i]!);
      try {
        const { p } = (await analyzeTwoStage(network, design.train.x, permuted)).decision.test;
        if (!(p > 0 && p <= 1)) nonFinite++;
        if (p < ALPHA) rejections++;
      } finally {
        network.dispose();
      }
      ctx.log(`  replicate ${r + 1}/${replicates}: ${rejections} rejections so far (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    const interval = binomialAcceptance(replicates, ALPHA, 0.99);
    const inside = rejections >= interval.lo && rejections <= interval.hi;
    const invariants: Invariant[] = [
      { name: 'size at α = 0.05 inside its 99% binomial interval (target permuted, default imputation)', ok: inside, detail: `${rejections}/${replicates} in [${interval.lo}, ${interval.hi}]` },
      { name: 'every p-value in (0, 1]', ok: nonFinite === 0, detail: `${nonFinite} of ${replicates}` },
      { name: 'every row with a target kept (none dropped for a feature)', ok: design.missing.droppedIncomplete === 0, detail: `${design.train.x.rows + design.test.x.rows} of ${spec.rows}` },
    ];
    return {
      tables: [
        {
          title: 'Size of the score test with imputed features (target permuted, the CLI path)',
          columns: ['rows × columns', 'cells filled', 'replicates', 'α', 'rejections', 'rate', '99% binomial interval', 'inside', 'seconds'],
          rows: [[`${spec.rows} × ${spec.columns}`, imputed, replicates, ALPHA, rejections, (rejections / replicates).toFixed(3), `[${interval.lo}, ${interval.hi}]`, inside ? 'yes' : '**no**', ((performance.now() - started) / 1000).toFixed(0)]],
          notes: ['Table: the scale-wide generator (seed 11), 2% of numeric cells missing at random, read from CSV, median-imputed from the training rows. Each replicate: a fresh default network (seed r) and the training targets permuted.'],
        },
      ],
      invariants,
      data: { spec, replicates, rejections, imputed },
    };
  },
};
