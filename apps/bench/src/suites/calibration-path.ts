import { normalGenerator, seededPermutation } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type InitialOutput } from '@duality/ntk';
import type { Design } from '@duality/tabular';
import { analyzeTwoStage, defaultNetworkSpec, NETWORK_DEFAULTS, type FixedEffects } from '@duality/trainer';
import { bundledDesign } from '../real-data.js';
import type { BenchSuite, BenchTable, Invariant } from '../harness.js';
import { binomialAcceptance } from '../statistics.js';

const ALPHAS = [0.05, 0.01];

/** How the null targets are made from a dataset's real training rows. */
type NullKind = 'permuted' | 'noise';

/** The path under test: the CLI's default network and test, or the raw network with f0 left in (the old default). */
interface PathVariant {
  label: string;
  initialOutput: InitialOutput;
  fixedEffects: FixedEffects;
}

const DEFAULT_PATH: PathVariant = { label: 'default (centred network, fixed effects auto)', initialOutput: NETWORK_DEFAULTS.initialOutput, fixedEffects: 'auto' };
const RAW_F0_PATH: PathVariant = { label: 'raw f0 kept, fixed effects none (before)', initialOutput: 'keep', fixedEffects: 'none' };

interface Cell {
  dataset: string;
  kind: NullKind;
  widths: readonly number[];
  variant: PathVariant;
  replicates: number;
}

interface CellResult extends Cell {
  n: number;
  rejections: number[];
  nonFinite: number;
  seconds: number;
}

/** The CLI's data path: the bundled task, standardised with training statistics, an 80/20 split (seed 0). */
async function cliDesign(dataset: string): Promise<Design> {
  return bundledDesign(dataset, 0);
}

/** Replicate r's null targets: the training targets permuted, or N(0, 1) noise, beside the real features. */
function nullTargets(y: Float64Array, kind: NullKind, seed: number): Float64Array {
  if (kind === 'permuted') return Float64Array.from(seededPermutation(y.length, seed), (i) => y[i]!);
  const normal = normalGenerator(seed);
  return Float64Array.from(y, () => normal());
}

/** Every replicate draws a fresh network (seed r) and fresh null targets, and runs the whole default analysis. */
async function runCell(cell: Cell, design: Design, log: (line: string) => void): Promise<CellResult> {
  const started = performance.now();
  const rejections = ALPHAS.map(() => 0);
  let nonFinite = 0;
  let lastReport = started;
  for (let r = 0; r < cell.replicates; r++) {
    const network = buildNetwork(defaultNetworkSpec(design.train.x.cols, cell.widths), { seed: r + 1, initialOutput: cell.variant.initialOutput });
    const y = nullTargets(design.train.y.data, cell.kind, 7919 * (r + 1));
    const { p } = (await analyzeTwoStage(network, design.train.x, y, { fixedEffects: cell.variant.fixedEffects })).decision.test;
    network.dispose();
    if (!(p > 0 && p <= 1)) nonFinite++;
    ALPHAS.forEach((alpha, i) => {
      if (p < alpha) rejections[i]!++;
    });
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      log(`  ${cellLabel(cell)}: ${r + 1}/${cell.replicates} replicates`);
    }
  }
  return { ...cell, n: design.train.x.rows, rejections, nonFinite, seconds: (performance.now() - started) / 1000 };
}

function cellLabel(cell: Cell): string {
  return `${cell.dataset} ${cell.kind}, width ${cell.widths.join('×')}, ${cell.variant.initialOutput === 'zero' ? 'default' : 'raw f0'}`;
}

function plan(quick: boolean): Cell[] {
  const defaultWidths = NETWORK_DEFAULTS.hiddenWidths;
  const small = [16, 16];
  const kinds: NullKind[] = ['permuted', 'noise'];
  if (quick) {
    return [
      ...kinds.map((kind): Cell => ({ dataset: 'cars', kind, widths: small, variant: DEFAULT_PATH, replicates: 300 })),
      { dataset: 'cars', kind: 'noise', widths: small, variant: RAW_F0_PATH, replicates: 20 },
    ];
  }
  return [
    // The headline: the default width, every bundled dataset, ≥ 200 replicates a cell.
    ...['cars', 'gapminder', 'seattle-weather'].flatMap((dataset) =>
      kinds.map((kind): Cell => ({ dataset, kind, widths: defaultWidths, variant: DEFAULT_PATH, replicates: 200 })),
    ),
    // Tight intervals at a small width, where a replicate is cheap.
    ...['cars', 'gapminder'].flatMap((dataset) => kinds.map((kind): Cell => ({ dataset, kind, widths: small, variant: DEFAULT_PATH, replicates: 2000 }))),
    // What the default did before f0 was removed.
    ...['cars', 'gapminder'].map((dataset): Cell => ({ dataset, kind: 'noise', widths: defaultWidths, variant: RAW_F0_PATH, replicates: 100 })),
  ];
}

const rate = (count: number, replicates: number) => (count / replicates).toFixed(4);

function sizeTable(results: CellResult[]): BenchTable {
  const rows = results.flatMap((c) =>
    ALPHAS.map((alpha, i) => {
      const interval = binomialAcceptance(c.replicates, alpha, 0.99);
      const inside = c.rejections[i]! >= interval.lo && c.rejections[i]! <= interval.hi;
      return [c.dataset, c.kind, c.n, c.widths.join('×'), c.variant.label, c.replicates, alpha, rate(c.rejections[i]!, c.replicates),
        `[${rate(interval.lo, c.replicates)}, ${rate(interval.hi, c.replicates)}]`, inside ? 'yes' : '**no**', c.seconds.toFixed(1)];
    }),
  );
  return {
    title: 'Size of the default user path on null targets (a fresh network and null targets per replicate)',
    columns: ['dataset', 'null', 'n', 'widths', 'path', 'replicates', 'α', 'rejection rate', '99% binomial interval', 'inside', 'seconds'],
    rows,
    notes: [
      'Path: the bundled task as the CLI loads it (standardised, 80/20 split, seed 0), `buildNetwork(defaultNetworkSpec(d))` ' +
        'with seed r, its empirical NTK, `analyzeTwoStage` defaults (exact score test, fixed effects auto). ' +
        'Null targets: the training targets permuted, or N(0, 1) noise beside the real features.',
    ],
  };
}

export const calibrationPathSuite: BenchSuite = {
  name: 'calibration-path',
  description: 'size of the score test on the path users run (default TF.js network, empirical NTK, default test) on permuted and pure-noise targets',
  async run(ctx) {
    await initTensorflow();
    const designs = new Map<string, Design>();
    const results: CellResult[] = [];
    for (const cell of plan(ctx.quick)) {
      if (!designs.has(cell.dataset)) designs.set(cell.dataset, await cliDesign(cell.dataset));
      const result = await runCell(cell, designs.get(cell.dataset)!, ctx.log);
      ctx.log(`${cellLabel(cell)}: ${cell.replicates} replicates in ${result.seconds.toFixed(1)} s, size ${ALPHAS.map((a, i) => `${rate(result.rejections[i]!, cell.replicates)} at ${a}`).join(', ')}`);
      results.push(result);
    }
    const invariants = pathInvariants(results);
    return { tables: [sizeTable(results)], invariants, data: results };
  },
};

/**
 * The default path's cells must hold their size: each inside its Bonferroni-adjusted 99% interval (family-wise 99%
 * over the cells checked; the table shows the plain per-cell 99% interval), and no p-value outside (0, 1]. The raw-f0
 * cells must reject more than α allows: they show the defect the default removes.
 */
function pathInvariants(results: CellResult[]): Invariant[] {
  const checked = results.filter((c) => c.variant === DEFAULT_PATH);
  const level = 1 - 0.01 / (checked.length * ALPHAS.length);
  const invariants: Invariant[] = checked.flatMap((c) =>
    ALPHAS.map((alpha, i) => {
      const interval = binomialAcceptance(c.replicates, alpha, level);
      return {
        name: `default path size inside its family-wise 99% interval (${cellLabel(c)}, α = ${alpha})`,
        ok: c.rejections[i]! >= interval.lo && c.rejections[i]! <= interval.hi,
        detail: `${rate(c.rejections[i]!, c.replicates)} in [${rate(interval.lo, c.replicates)}, ${rate(interval.hi, c.replicates)}]`,
      };
    }),
  );
  for (const c of results) {
    invariants.push({ name: `p in (0, 1] (${cellLabel(c)})`, ok: c.nonFinite === 0, detail: `${c.nonFinite} of ${c.replicates}` });
  }
  for (const c of results.filter((r) => r.variant === RAW_F0_PATH)) {
    const above = binomialAcceptance(c.replicates, ALPHAS[0]!, 0.99).hi;
    invariants.push({ name: `raw f0 rejects noise too often (${cellLabel(c)})`, ok: c.rejections[0]! > above, detail: `${rate(c.rejections[0]!, c.replicates)} at α = 0.05` });
  }
  return invariants;
}
