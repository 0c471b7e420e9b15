import { eigSym, Matrix64, normalGenerator } from '@duality/linalg-core';
import { fitSpectral, scoreTest } from '@duality/mixed-model';
import { analyticKernels, toTrainingScale, type MlpSpec } from '@duality/ntk';
import type { BenchContext, BenchSuite, BenchTable, Invariant } from '../harness.js';
import { binomialAcceptance } from '../statistics.js';

const INPUT_DIM = 5;
const ALPHAS = [0.05, 0.01, 0.001];
const POWER_ALPHA = 0.05;
/** Signal amplitudes (in units of the noise sd; the signal is scaled to unit sample sd). */
const AMPLITUDES = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

interface Architecture {
  label: string;
  spec: MlpSpec;
}

function architecture(activation: 'relu' | 'erf', depth: number): Architecture {
  return {
    label: `${activation} depth ${depth}`,
    spec: {
      inputDim: INPUT_DIM,
      hiddenWidths: Array.from({ length: depth }, () => 512),
      activation: { name: activation },
      // He scale for ReLU keeps the forward variance; erf at σ_w = 1 is its usual choice.
      weightStd: activation === 'relu' ? Math.SQRT2 : 1,
      biasStd: 0.1,
      parameterisation: 'ntk',
      outputDim: 1,
    },
  };
}

/** A smooth low-frequency signal of the inputs, scaled to unit sample sd. */
function smoothSignal(x: number[][]): Float64Array {
  const g = Float64Array.from(x, (row) => Math.sin(row[0]!) + 0.5 * row[1]!);
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const sd = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length);
  return g.map((v) => (v - mean) / sd);
}

interface CellResult {
  architecture: string;
  n: number;
  replicates: number;
  exactRejections: number[];
  satterthwaiteRejections: number[];
  nonFinite: number;
  power: { amplitude: number; exact: number; satterthwaite: number; replicates: number }[];
}

/**
 * One kernel at one n: Θ = U Λ Uᵀ once. Under u = a·g + ε (ε ~ N(0, I)) the projections are c = a·Uᵀg + z with
 * z = Uᵀε ~ N(0, I) exactly, so every replicate draws z and reuses the eigendecomposition.
 */
function runCell(arch: Architecture, n: number, nullReplicates: number, powerReplicates: number, seed: number): CellResult {
  const normal = normalGenerator(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: INPUT_DIM }, normal));
  const theta = toTrainingScale(analyticKernels(arch.spec, x).train.ntk).matrix;
  const eig = eigSym(theta, { vectors: Matrix64.column(smoothSignal(x)) });
  const values = eig.values;
  const signalProjections = eig.projections!.data;
  const testOf = (amplitude: number) => {
    const c = Float64Array.from(signalProjections, (s) => amplitude * s + normal());
    return scoreTest(fitSpectral({ spectrum: { values, residualProjections: c } }));
  };
  const exactRejections = ALPHAS.map(() => 0);
  const satterthwaiteRejections = ALPHAS.map(() => 0);
  let nonFinite = 0;
  for (let r = 0; r < nullReplicates; r++) {
    const test = testOf(0);
    if (!Number.isFinite(test.logP) || !(test.p >= 0 && test.p <= 1) || !(test.satterthwaiteP >= 0 && test.satterthwaiteP <= 1)) nonFinite++;
    ALPHAS.forEach((alpha, i) => {
      if (test.p < alpha) exactRejections[i]!++;
      if (test.satterthwaiteP < alpha) satterthwaiteRejections[i]!++;
    });
  }
  const power = AMPLITUDES.map((amplitude) => {
    let exact = 0;
    let satterthwaite = 0;
    for (let r = 0; r < powerReplicates; r++) {
      const test = testOf(amplitude);
      if (test.p < POWER_ALPHA) exact++;
      if (test.satterthwaiteP < POWER_ALPHA) satterthwaite++;
    }
    return { amplitude, exact: exact / powerReplicates, satterthwaite: satterthwaite / powerReplicates, replicates: powerReplicates };
  });
  return { architecture: arch.label, n, replicates: nullReplicates, exactRejections, satterthwaiteRejections, nonFinite, power };
}

const rate = (count: number, replicates: number) => (count / replicates).toFixed(4);

/** A table with the invariants its rows check. */
interface CheckedTable {
  table: BenchTable;
  invariants: Invariant[];
}

/** One cell per architecture and n, in that order. */
function runCells(ctx: BenchContext): CellResult[] {
  const architectures = ctx.quick
    ? [architecture('relu', 1), architecture('erf', 2)]
    : [architecture('relu', 1), architecture('relu', 2), architecture('relu', 4), architecture('erf', 1), architecture('erf', 3)];
  // Null replicates per n (fewer where each test costs more); power replicates per amplitude.
  const design: { n: number; nullReplicates: number; powerReplicates: number }[] = ctx.quick
    ? [
        { n: 100, nullReplicates: 4000, powerReplicates: 300 },
        { n: 300, nullReplicates: 1000, powerReplicates: 200 },
      ]
    : [
        { n: 100, nullReplicates: 20000, powerReplicates: 2000 },
        { n: 300, nullReplicates: 10000, powerReplicates: 1000 },
        { n: 1000, nullReplicates: 5000, powerReplicates: 500 },
      ];
  const cells: CellResult[] = [];
  architectures.forEach((arch, a) => {
    for (const { n, nullReplicates, powerReplicates } of design) {
      const started = performance.now();
      cells.push(runCell(arch, n, nullReplicates, powerReplicates, 1000 * (a + 1) + n));
      ctx.log(`${arch.label}, n = ${n}: ${nullReplicates} null replicates in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  });
  return cells;
}

/** The null size per architecture, n and α, each checked against its family-wise interval; then finite p-values per cell. */
function sizeTable(cells: CellResult[]): CheckedTable {
  // A deterministic run makes one table of many cells: with C cells each checked at 99%, about C/100 would fail
  // by chance, so the per-cell invariant uses the Bonferroni level 1 − 0.01/C (family-wise 99%); the table shows
  // the plain per-cell 99% interval.
  const cellCount = cells.length * ALPHAS.length;
  const familyLevel = 1 - 0.01 / cellCount;
  const invariants: Invariant[] = [];
  let insidePerCell = 0;
  const rows = cells.flatMap((cell) =>
    ALPHAS.map((alpha, i) => {
      const per = binomialAcceptance(cell.replicates, alpha, 0.99);
      const family = binomialAcceptance(cell.replicates, alpha, familyLevel);
      const exact = cell.exactRejections[i]!;
      const inside = exact >= per.lo && exact <= per.hi;
      if (inside) insidePerCell++;
      invariants.push({
        name: `exact size inside its family-wise 99% interval (${cell.architecture}, n = ${cell.n}, α = ${alpha})`,
        ok: exact >= family.lo && exact <= family.hi,
        detail: `${rate(exact, cell.replicates)} in [${rate(family.lo, cell.replicates)}, ${rate(family.hi, cell.replicates)}]`,
      });
      const interval = `[${rate(per.lo, cell.replicates)}, ${rate(per.hi, cell.replicates)}]`;
      return [cell.architecture, cell.n, cell.replicates, alpha, rate(exact, cell.replicates), rate(cell.satterthwaiteRejections[i]!, cell.replicates), interval, inside ? 'yes' : 'NO'];
    }),
  );
  for (const cell of cells) {
    invariants.push({
      name: `finite p-values under the null (${cell.architecture}, n = ${cell.n})`,
      ok: cell.nonFinite === 0,
      detail: `${cell.nonFinite} non-finite of ${cell.replicates}`,
    });
  }
  const table = {
    title: 'Null size per architecture and n: exact vs Satterthwaite',
    columns: ['architecture', 'n', 'replicates', 'α', 'exact size', 'Satterthwaite size', '99% interval', 'exact inside'],
    rows,
    notes: [
      `Exact size inside its per-cell 99% interval in ${insidePerCell} of ${cellCount} cells (about 1% may fall outside by chance).`,
      'Intervals: exact equal-tailed Binomial(replicates, α) acceptance intervals. Inputs x ~ N(0, I5); analytic NTK, Θ = raw/n.',
    ],
  };
  return { table, invariants };
}

/** Pooled over architectures and n (independent replicates): the headline size per α. */
function pooledSizeTable(cells: CellResult[]): CheckedTable {
  const pooledReplicates = cells.reduce((s, c) => s + c.replicates, 0);
  const invariants: Invariant[] = [];
  const rows = ALPHAS.map((alpha, i) => {
    const exact = cells.reduce((s, c) => s + c.exactRejections[i]!, 0);
    const satterthwaite = cells.reduce((s, c) => s + c.satterthwaiteRejections[i]!, 0);
    const interval = binomialAcceptance(pooledReplicates, alpha, 0.99);
    const inside = exact >= interval.lo && exact <= interval.hi;
    invariants.push({
      name: `pooled exact size at α = ${alpha} inside its 99% interval`,
      ok: inside,
      detail: `${rate(exact, pooledReplicates)} in [${rate(interval.lo, pooledReplicates)}, ${rate(interval.hi, pooledReplicates)}] over ${pooledReplicates}`,
    });
    return [
      alpha,
      pooledReplicates,
      rate(exact, pooledReplicates),
      rate(satterthwaite, pooledReplicates),
      `[${rate(interval.lo, pooledReplicates)}, ${rate(interval.hi, pooledReplicates)}]`,
      inside ? 'yes' : 'NO',
      (satterthwaite / pooledReplicates / alpha).toFixed(2),
    ];
  });
  const table = {
    title: 'Null size pooled over architectures and n (u = pure noise)',
    columns: ['α', 'replicates', 'exact size', 'Satterthwaite size', '99% interval', 'exact inside', 'Satterthwaite / α'],
    rows,
  };
  return { table, invariants };
}

/** Power per cell against the signal amplitude; it must grow with the signal. */
function powerTable(cells: CellResult[]): CheckedTable {
  const rows = cells.map((cell) => [
    cell.architecture,
    cell.n,
    cell.power[0]!.replicates,
    ...cell.power.map((p) => `${p.exact.toFixed(3)} / ${p.satterthwaite.toFixed(3)}`),
  ]);
  const invariants = cells.map((cell) => {
    const exact = cell.power.map((p) => p.exact);
    return {
      name: `power grows with the signal (${cell.architecture}, n = ${cell.n})`,
      ok: exact[exact.length - 1]! > exact[0]! + 0.2,
      detail: `power ${exact[0]!.toFixed(3)} at a = 0 → ${exact[exact.length - 1]!.toFixed(3)} at a = ${AMPLITUDES[AMPLITUDES.length - 1]}`,
    };
  });
  const table = {
    title: `Power at α = ${POWER_ALPHA} (exact / Satterthwaite) against the amplitude a of u = a·g(x) + ε`,
    columns: ['architecture', 'n', 'replicates', ...AMPLITUDES.map((a) => `a = ${a}`)],
    rows,
    notes: ['g(x) = sin x₁ + 0.5·x₂, scaled to unit sample sd; ε ~ N(0, I); a is the signal-to-noise sd ratio.'],
  };
  return { table, invariants };
}

export const calibrationSuite: BenchSuite = {
  name: 'calibration',
  description: 'size of the exact score test under the null (analytic NTKs, several architectures) vs Satterthwaite; power',
  async run(ctx) {
    const cells = runCells(ctx);
    const size = sizeTable(cells);
    const pooled = pooledSizeTable(cells);
    const power = powerTable(cells);
    return {
      tables: [pooled.table, size.table, power.table],
      invariants: [...size.invariants, ...pooled.invariants, ...power.invariants],
      data: { alphas: ALPHAS, amplitudes: AMPLITUDES, cells },
    };
  },
};
