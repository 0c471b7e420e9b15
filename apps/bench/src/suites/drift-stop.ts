import { buildNetwork, initTensorflow } from '@duality/ntk';
import { defaultNetworkSpec, trainTwoStage } from '@duality/trainer';
import { bundledDesign } from '../real-data.js';
import type { BenchSuite, Invariant } from '../harness.js';
import { medianQuartiles } from '../statistics.js';

/**
 * Issue 23.6: how far the network's NTK moves from θ0 to the rule's stop (the trainer's kernel drift) against how far
 * that stop lies from where validation early stopping ends up. Narrow networks drift more (lazy regime ~1/√width).
 */
const DATASETS = ['cars', 'gapminder'];
const WIDTHS = [[16, 16], [64, 64], [256, 256]];

interface DriftRun {
  dataset: string;
  width: number;
  seed: number;
  drift: number;
  ruleSteps: number;
  validationSteps: number;
  /** abs log(rule's steps / validation's steps): 0 when they agree, log 2 ≈ 0.69 at a factor of 2. */
  logGap: number;
  /** Test MSE of the network at the rule's stop over validation's network's: above 1, the rule's stop costs. */
  testRatio: number;
  /** The network's test loss at the rule's stop over the kernel model's prediction there. */
  networkOverKernel: number;
}

async function driftRun(dataset: string, widths: number[], seed: number): Promise<DriftRun> {
  const design = await bundledDesign(dataset, seed);
  const network = buildNetwork(defaultNetworkSpec(design.train.x.cols, widths), { seed });
  try {
    const { report, network: trained } = await trainTwoStage(network, design.train.x, design.train.y, { test: { x: design.test.x, y: design.test.y }, compare: ['validation'], seed });
    trained.dispose();
    const stop = (rule: string) => report.stops.find((s) => s.rule === rule)!;
    const rule = stop(report.decision.rule);
    const validation = stop('validation');
    return {
      dataset,
      width: widths[0]!,
      seed,
      drift: report.kernelDrift?.relativeChange ?? 0,
      ruleSteps: rule.steps,
      validationSteps: validation.steps,
      logGap: Math.abs(Math.log(Math.max(rule.steps, 1) / Math.max(validation.steps, 1))),
      testRatio: (rule.testLoss ?? NaN) / (validation.testLoss ?? NaN),
      networkOverKernel: (rule.testLoss ?? NaN) / (rule.kernelTestLoss ?? NaN),
    };
  } finally {
    network.dispose();
  }
}

/** Spearman's rank correlation (no ties expected in continuous measurements). */
function rankCorrelation(a: number[], b: number[]): number {
  const ranks = (v: number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

export const driftStopSuite: BenchSuite = {
  name: 'drift-stop',
  description: 'kernel drift to the rule’s stop against the gap to validation early stopping (real networks of three widths)',
  async run(ctx) {
    await initTensorflow();
    const seeds = ctx.quick ? 1 : 3;
    const widths = ctx.quick ? [[16, 16]] : WIDTHS;
    const runs: DriftRun[] = [];
    for (const dataset of DATASETS) {
      for (const width of widths) {
        const started = performance.now();
        for (let seed = 1; seed <= seeds; seed++) runs.push(await driftRun(dataset, width, seed));
        ctx.log(`${dataset} width ${width[0]}: ${seeds} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    }
    const digits = (x: number) => Number(x.toPrecision(3));
    const rows = runs.map((r) => [r.dataset, r.width, r.seed, digits(r.drift), r.ruleSteps, r.validationSteps, digits(r.logGap), digits(r.testRatio), digits(r.networkOverKernel)]);
    const summary = WIDTHS.filter((w) => runs.some((r) => r.width === w[0])).map((w) => {
      const group = runs.filter((r) => r.width === w[0]);
      return [`${w[0]}×${w[1]}`, group.length, medianQuartiles(group.map((r) => r.drift), 3), medianQuartiles(group.map((r) => r.logGap), 3), medianQuartiles(group.map((r) => r.testRatio), 3), medianQuartiles(group.map((r) => r.networkOverKernel), 3)];
    });
    const correlations = [
      ['drift vs abs log(rule steps / validation steps)', digits(rankCorrelation(runs.map((r) => r.drift), runs.map((r) => r.logGap)))],
      ['drift vs abs(network / kernel test − 1)', digits(rankCorrelation(runs.map((r) => r.drift), runs.map((r) => Math.abs(r.networkOverKernel - 1))))],
      ['drift vs test MSE rule / validation', digits(rankCorrelation(runs.map((r) => r.drift), runs.map((r) => r.testRatio)))],
    ];
    const invariants: Invariant[] = [{ name: 'finite drift and test ratios', ok: runs.every((r) => Number.isFinite(r.drift) && Number.isFinite(r.testRatio)), detail: `${runs.length} runs` }];
    return {
      tables: [
        { title: 'Kernel drift to the rule’s stop and the gap to validation early stopping, per run', columns: ['dataset', 'width', 'seed', 'drift', 'rule steps', 'validation steps', 'abs log gap', 'test MSE rule / validation', 'network / kernel test at stop'], rows },
        { title: 'By width: median [quartiles]', columns: ['hidden', 'runs', 'drift', 'abs log gap', 'test MSE rule / validation', 'network / kernel test at stop'], rows: summary },
        { title: 'Spearman rank correlations over all runs', columns: ['pair', 'ρ'], rows: correlations },
      ],
      invariants,
      data: { runs },
    };
  },
};
