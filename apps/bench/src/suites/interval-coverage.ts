import { fitSpectral, looIntervalHalfWidths, predictAt, stageTwoRule } from '@duality/mixed-model';
import { analyticKernels, toTrainingScale } from '@duality/ntk';
import { DEFAULT_MAX_STEPS } from '@duality/trainer';
import { bundledDesign, REAL_DATASETS, realKernelSpec } from '../real-data.js';
import type { BenchSuite, Invariant } from '../harness.js';
import { medianQuartiles } from '../statistics.js';

/** The real-data suite's datasets and kernel (real.ts): the analytic NTK of a 2×512 ReLU MLP on standardised features. */
const LEVEL = 0.9;
/** Pooled coverage of the 90% intervals must land here (issue 23.3). */
const TARGET: [number, number] = [0.87, 0.93];

interface Split {
  dataset: string;
  seed: number;
  n: number;
  nTest: number;
  steps: number;
  /** q in standardised units and in the target's. */
  halfWidth: number;
  halfWidthTarget: number;
  covered: number;
}

/**
 * One 80/20 split on the kernel path: the exact LOO stop in whole steps at η = 0.5/λ1 (capped at the trainer's
 * maxSteps), the jackknife half-width from the LOO residuals there, and the kernel model's test rows inside ±q.
 */
async function coverageSplit(dataset: string, seed: number): Promise<Split> {
  const design = await bundledDesign(dataset, seed);
  const n = design.train.y.rows;
  const kernels = analyticKernels(realKernelSpec(design.train.x.cols), design.train.x, { xTest: design.test.x });
  const scale = (matrix: typeof kernels.train.ntk.matrix) => toTrainingScale({ kind: 'ntk', matrix, scale: 'raw', n }).matrix;
  const fit = fitSpectral({ kernel: scale(kernels.train.ntk.matrix), y: design.train.y, crossKernel: scale(kernels.test!.ntk.matrix) });
  const learningRate = 0.5 / fit.eigenvalues[0]!;
  const rule = stageTwoRule(fit, 'loo', { learningRate, maxSteps: DEFAULT_MAX_STEPS, useDesign: false });
  const time = { learningRate, steps: rule.stop.steps! };
  const q = looIntervalHalfWidths(fit, time, LEVEL, { useDesign: false }).halfWidths[0]!;
  const predicted = predictAt(fit, time, {}, { useDesign: false }).data;
  const truth = design.test.y.data;
  const covered = truth.filter((y, i) => Math.abs(y - predicted[i]!) <= q).length;
  return { dataset, seed, n, nTest: truth.length, steps: rule.stop.steps!, halfWidth: q, halfWidthTarget: q * design.targetScaling.sd, covered };
}

export const intervalCoverageSuite: BenchSuite = {
  name: 'interval-coverage',
  description: 'coverage of 90% leave-one-out (jackknife) prediction intervals on held-out rows of the real datasets (kernel path)',
  async run(ctx) {
    const seeds = ctx.quick ? 1 : 10;
    const splits: Split[] = [];
    for (const dataset of REAL_DATASETS) {
      const started = performance.now();
      for (let seed = 1; seed <= seeds; seed++) splits.push(await coverageSplit(dataset, seed));
      ctx.log(`${dataset}: ${seeds} splits in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const share = (group: Split[]) => group.reduce((s, r) => s + r.covered, 0) / group.reduce((s, r) => s + r.nTest, 0);
    const pooled = share(splits);
    const rows = REAL_DATASETS.map((dataset) => {
      const group = splits.filter((s) => s.dataset === dataset);
      return [dataset, `${group[0]!.n}/${group[0]!.nTest}`, group.length, share(group).toFixed(3), medianQuartiles(group.map((s) => s.covered / s.nTest), 3), medianQuartiles(group.map((s) => s.halfWidthTarget), 3), medianQuartiles(group.map((s) => s.steps))];
    });
    rows.push(['pooled', '', splits.length, pooled.toFixed(3), '', '', '']);
    const invariants: Invariant[] = [
      { name: 'finite positive half-widths', ok: splits.every((s) => s.halfWidth > 0 && Number.isFinite(s.halfWidth)), detail: `${splits.length} splits` },
      { name: 'coverage counts within the test rows', ok: splits.every((s) => s.covered >= 0 && s.covered <= s.nTest), detail: `${splits.length} splits` },
    ];
    // The target is a property of full runs (30 splits); one quick split per dataset is too few rows to judge it.
    if (!ctx.quick) invariants.push({ name: `pooled coverage of ${LEVEL} intervals in [${TARGET.join(', ')}]`, ok: pooled >= TARGET[0] && pooled <= TARGET[1], detail: pooled.toFixed(3) });
    return {
      tables: [
        {
          title: `Coverage of ${100 * LEVEL}% leave-one-out prediction intervals on held-out rows (kernel path, LOO stop)`,
          columns: ['dataset', 'n train/test', 'splits', 'coverage (pooled rows)', 'coverage per split', 'half-width (target units)', 'LOO steps'],
          rows,
          notes: [
            'Interval: f(x*) ± q, q the ⌈0.9(n + 1)⌉-th smallest |r_i^loo(t̂)| (exact leave-one-out residuals at the LOO stop, math.md §7.4), centred on the kernel model’s prediction.',
            'Kernel path as in `real`: analytic NTK of a 2×512 ReLU MLP, standardised features and target, 80/20 splits (seed = split), LOO in whole steps at η = 0.5/λ1, capped at 100,000.',
          ],
        },
      ],
      invariants,
      data: { splits, pooled },
    };
  },
};
