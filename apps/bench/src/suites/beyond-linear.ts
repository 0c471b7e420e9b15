import { normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { loadBundledDataset, prepareDesign, type Design } from '@duality/tabular';
import { analyzeTwoStage, defaultNetworkSpec } from '@duality/trainer';
import type { BenchSuite, BenchTable, Invariant } from '../harness.js';
import { binomialAcceptance } from '../statistics.js';

/*
 * Issue 25: the beyond-linear test (fixed effects 'linear', math.md §7.3) on the path users run: real feature tables
 * as the CLI prepares them (standardised, 80/20 split, seed 0), the default network's empirical NTK, analyzeTwoStage
 * with fixedEffects 'linear'. Targets are synthetic: exactly linear in the standardised features plus N(0, 1) noise
 * (H0: the test is exact whatever the coefficients, so its size must be α), then plus an interaction or a smooth
 * nonlinearity of growing strength (the power curve). The analysis only: no network is trained.
 */

const ALPHA = 0.05;

type Nonlinearity = 'none' | 'interaction' | 'smooth';

interface Cell {
  dataset: string;
  nonlinearity: Nonlinearity;
  /** The nonlinear term's sd over the training rows, in units of the noise sd. */
  strength: number;
  replicates: number;
}

interface CellResult extends Cell {
  n: number;
  p: number;
  rejections: number;
  nonFinite: number;
  seconds: number;
}

/** The bundled task as the CLI loads it: standardised with the training rows, 80/20 split, seed 0. */
async function cliDesign(dataset: string): Promise<Design> {
  const data = await loadBundledDataset(dataset);
  return prepareDesign(data.table, { target: data.target, features: data.features, seed: 0, testFraction: 0.2 });
}

/** The two feature columns with the most distinct values (the continuous ones: an interaction of one-hots is a level). */
function continuousPair(design: Design): [number, number] {
  const x = design.train.x;
  const distinct = Array.from({ length: x.cols }, (_, j) => new Set(Array.from({ length: x.rows }, (_, i) => x.get(i, j))).size);
  const order = distinct.map((_, j) => j).sort((a, b) => distinct[b]! - distinct[a]!);
  return [order[0]!, order[1]!];
}

/** g standardised to mean 0, sd 1 over the rows. */
function standardised(g: Float64Array): Float64Array {
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const sd = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length);
  return g.map((v) => (v - mean) / sd);
}

/** y = Xb + strength·g(x) + ε: b ~ N(0, 1/d) per replicate, g the cell's nonlinearity (sd 1), ε ~ N(0, 1). */
function targets(design: Design, cell: Cell, pair: [number, number], seed: number): Float64Array {
  const x = design.train.x;
  const next = normalGenerator(seed);
  const b = Float64Array.from({ length: x.cols }, () => next() / Math.sqrt(x.cols));
  const [a, c] = pair;
  const g =
    cell.nonlinearity === 'none'
      ? new Float64Array(x.rows)
      : standardised(Float64Array.from({ length: x.rows }, (_, i) => (cell.nonlinearity === 'interaction' ? x.get(i, a) * x.get(i, c) : Math.sin(2 * x.get(i, a)))));
  return Float64Array.from({ length: x.rows }, (_, i) => {
    let linear = 0;
    for (let j = 0; j < x.cols; j++) linear += x.get(i, j) * b[j]!;
    return linear + cell.strength * g[i]! + next();
  });
}

async function runCell(cell: Cell, design: Design, log: (line: string) => void): Promise<CellResult> {
  const started = performance.now();
  const pair = continuousPair(design);
  let rejections = 0;
  let nonFinite = 0;
  let p = 0;
  for (let r = 0; r < cell.replicates; r++) {
    const network = buildNetwork(defaultNetworkSpec(design.train.x.cols), { seed: r + 1 });
    const y = targets(design, cell, pair, 104_729 * (r + 1));
    const analysis = await analyzeTwoStage(network, design.train.x, y, { fixedEffects: 'linear' });
    network.dispose();
    const test = analysis.decision.test;
    p = test.projectedColumns;
    if (!(test.p > 0 && test.p <= 1)) nonFinite++;
    if (test.p < ALPHA) rejections++;
  }
  const result = { ...cell, n: design.train.x.rows, p, rejections, nonFinite, seconds: (performance.now() - started) / 1000 };
  log(`${cell.dataset} ${cell.nonlinearity} ×${cell.strength}: ${rejections}/${cell.replicates} rejections in ${result.seconds.toFixed(1)} s`);
  return result;
}

const STRENGTHS = [0.125, 0.25, 0.5, 1];

function plan(quick: boolean): Cell[] {
  if (quick) {
    return [
      { dataset: 'cars', nonlinearity: 'none', strength: 0, replicates: 6 },
      { dataset: 'cars', nonlinearity: 'interaction', strength: 1, replicates: 3 },
    ];
  }
  // Replicates by cost: a replicate's kernel and eigendecomposition grow with n (318, 553 and 1,168 rows).
  const nulls = (
    [
      ['cars', 300],
      ['gapminder', 150],
      ['seattle-weather', 100],
    ] as const
  ).map(([dataset, replicates]): Cell => ({ dataset, nonlinearity: 'none', strength: 0, replicates }));
  const power = (['interaction', 'smooth'] as const).flatMap((nonlinearity) =>
    STRENGTHS.map((strength): Cell => ({ dataset: 'cars', nonlinearity, strength, replicates: 40 })),
  );
  return [...nulls, ...power];
}

const rate = (count: number, replicates: number) => (count / replicates).toFixed(3);

function sizeTable(results: CellResult[]): BenchTable {
  return {
    title: 'Size of the beyond-linear test (fixed effects linear) on targets exactly linear in real features plus noise',
    columns: ['dataset', 'n', 'p (intercept + features)', 'replicates', 'α', 'rejection rate', '99% binomial interval', 'inside', 'seconds'],
    rows: results
      .filter((c) => c.nonlinearity === 'none')
      .map((c) => {
        const interval = binomialAcceptance(c.replicates, ALPHA, 0.99);
        const inside = c.rejections >= interval.lo && c.rejections <= interval.hi;
        return [c.dataset, c.n, c.p, c.replicates, ALPHA, rate(c.rejections, c.replicates), `[${rate(interval.lo, c.replicates)}, ${rate(interval.hi, c.replicates)}]`, inside ? 'yes' : '**no**', c.seconds.toFixed(1)];
      }),
    notes: [
      'Each replicate: a fresh default network (seed r), y = Xb + ε with b ~ N(0, I/d) and ε ~ N(0, 1) on the training rows, ' +
        "`analyzeTwoStage(network, x, y, { fixedEffects: 'linear' })` (empirical NTK, exact p-value).",
    ],
  };
}

function powerTable(results: CellResult[]): BenchTable {
  return {
    title: 'Power of the beyond-linear test: y = Xb + s·g(x) + ε, g an interaction or a smooth nonlinearity (sd 1), ε ~ N(0, 1)',
    columns: ['dataset', 'n', 'g', 's (sd of g over the noise sd)', 'replicates', 'rejection rate at α = 0.05', 'seconds'],
    rows: results.filter((c) => c.nonlinearity !== 'none').map((c) => [c.dataset, c.n, c.nonlinearity, c.strength, c.replicates, rate(c.rejections, c.replicates), c.seconds.toFixed(1)]),
    notes: ['Interaction: x_a·x_b of the two features with the most distinct values; smooth: sin(2·x_a); each standardised over the training rows.'],
  };
}

function invariants(results: CellResult[], quick: boolean): Invariant[] {
  const nulls = results.filter((c) => c.nonlinearity === 'none');
  const level = 1 - 0.01 / nulls.length;
  const list: Invariant[] = results.map((c) => ({
    name: `every p-value in (0, 1]: ${c.dataset} ${c.nonlinearity} ×${c.strength}`,
    ok: c.nonFinite === 0,
    detail: `${c.nonFinite} of ${c.replicates} outside`,
  }));
  if (quick) return list;
  for (const c of nulls) {
    const interval = binomialAcceptance(c.replicates, ALPHA, level);
    list.push({
      name: `size inside its Bonferroni 99% interval: ${c.dataset}`,
      ok: c.rejections >= interval.lo && c.rejections <= interval.hi,
      detail: `${c.rejections}/${c.replicates} rejections, interval [${interval.lo}, ${interval.hi}]`,
    });
  }
  for (const g of ['interaction', 'smooth'] as const) {
    const curve = results.filter((c) => c.nonlinearity === g);
    const strongest = curve[curve.length - 1]!;
    list.push({
      name: `power reaches 0.9 at the strongest ${g}`,
      ok: strongest.rejections >= 0.9 * strongest.replicates,
      detail: `${strongest.rejections}/${strongest.replicates} at s = ${strongest.strength}`,
    });
  }
  return list;
}

export const beyondLinearSuite: BenchSuite = {
  name: 'beyond-linear',
  description: "size and power of the beyond-linear test (fixed effects 'linear') on real feature tables with synthetic linear and nonlinear targets",
  async run(ctx) {
    await initTensorflow();
    const designs = new Map<string, Design>();
    const results: CellResult[] = [];
    for (const cell of plan(ctx.quick)) {
      if (!designs.has(cell.dataset)) designs.set(cell.dataset, await cliDesign(cell.dataset));
      results.push(await runCell(cell, designs.get(cell.dataset)!, ctx.log));
    }
    return { tables: [sizeTable(results), powerTable(results)], invariants: invariants(results, ctx.quick), data: results };
  },
};
