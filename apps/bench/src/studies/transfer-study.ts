import {
  depthMuPBranchScale,
  isotropicData,
  learningRateSweep,
  ntkRichness,
  simulateNetwork,
  solveDmft,
  type NetworkSpec,
  type Sampling,
} from '@duality/linear-dynamics';
import type { BenchTable, Invariant, SuiteResult } from '../harness.js';

/** One table of the study and the invariants it checks. */
interface StudyPart {
  table: BenchTable;
  invariants: Invariant[];
}

const data = isotropicData();
const repeated2: Sampling = { kind: 'repeated', samplesPerDim: 2 };
const fixed = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : 'diverged');
const spread = (values: number[]): number => Math.max(...values) / Math.min(...values);

/**
 * Qualitative claims of spec §3 as numbers: wider is better under μP (Fig 1), learning-rate transfer across
 * width under μP but not NTK (Fig 2), across depth with β₀/√L branches but not constant ones (Fig 5), and
 * DMFT against finite networks. `quick` shrinks the grids to run in a few seconds.
 */
export function transferStudy({ quick }: { quick: boolean }): SuiteResult {
  const parts = [widthPart(quick), widthTransferPart(quick), depthTransferPart(quick), simulationPart(quick)];
  return { tables: parts.map((p) => p.table), invariants: parts.flatMap((p) => p.invariants) };
}

/** Fig 1: test loss against width, μP and NTK (α = 2, L = 2, η₀ = .1). */
function widthPart(quick: boolean): StudyPart {
  const widths = quick ? [0.5, 1, 4] : [0.25, 0.5, 1, 2, 4, 8, 16];
  const rows = widths.map((widthRatio) => {
    const at = (richness: number): Float64Array =>
      solveDmft({ data, sampling: repeated2, network: { depth: 2, widthRatio, richness, learningRate: 0.1 }, steps: 41 })
        .testLoss;
    const muP = at(1);
    const ntk = at(ntkRichness(widthRatio));
    return { widthRatio, muP: [muP[10]!, muP[40]!], ntk: [ntk[10]!, ntk[40]!] };
  });
  const muPFinal = rows.map((r) => r.muP[1]!);
  const widest = rows[rows.length - 1]!;
  return {
    table: {
      title: 'Width: DMFT test loss at t = 10 / 40 (α = 2, L = 2, η₀ = 0.1, σ = 0)',
      columns: ['ν', 'μP (γ₀ = 1)', 'NTK (γ₀ = 1/√ν)'],
      rows: rows.map((r) => [r.widthRatio, `${fixed(r.muP[0]!)} / ${fixed(r.muP[1]!)}`, `${fixed(r.ntk[0]!)} / ${fixed(r.ntk[1]!)}`]),
    },
    invariants: [
      {
        name: 'wider is better under μP',
        ok: muPFinal.every((v, i) => i === 0 || v < muPFinal[i - 1]!),
        detail: `𝓛(40) = ${muPFinal.map((v) => fixed(v)).join(' > ')}`,
      },
      {
        name: 'wide μP beats wide NTK',
        ok: widest.muP[1]! < widest.ntk[1]!,
        detail: `ν = ${widest.widthRatio}: μP ${fixed(widest.muP[1]!)} vs NTK ${fixed(widest.ntk[1]!)}`,
      },
    ],
  };
}

/** Fig 2: learning-rate transfer across width (α = 4, L = 3, T = 20). */
function widthTransferPart(quick: boolean): StudyPart {
  const rates = [0.02, 0.04, 0.08, 0.12, 0.16, 0.24, 0.32, 0.48, 0.64];
  const widths = quick ? [0.5, 2, 8] : [0.5, 1, 2, 4, 8];
  const sweep = (widthRatio: number, richness: number) =>
    learningRateSweep({
      data,
      sampling: { kind: 'repeated', samplesPerDim: 4 },
      network: { depth: 3, widthRatio, richness },
      steps: 20,
      learningRates: rates,
    });
  const rows = widths.map((widthRatio) => ({ widthRatio, muP: sweep(widthRatio, 1), ntk: sweep(widthRatio, ntkRichness(widthRatio)) }));
  const muPSpread = spread(rows.map((r) => r.muP.best));
  const ntkSpread = spread(rows.map((r) => r.ntk.best));
  return {
    table: {
      title: 'Learning-rate transfer across width: best η₀ (largest stable η₀), DMFT 𝓛(19), α = 4, L = 3',
      columns: ['ν', 'μP best', 'μP 𝓛 at best', 'NTK best', 'NTK 𝓛 at best'],
      rows: rows.map((r) => [
        r.widthRatio,
        `${r.muP.best} (${r.muP.largestStable ?? '-'})`,
        fixed(Math.min(...r.muP.finalLoss)),
        `${r.ntk.best} (${r.ntk.largestStable ?? '-'})`,
        fixed(Math.min(...r.ntk.finalLoss)),
      ]),
      notes: [`η₀ grid: ${rates.join(', ')}.`],
    },
    invariants: [
      {
        name: 'the optimal η₀ moves less across width under μP than under NTK',
        ok: muPSpread < ntkSpread,
        detail: `max/min best η₀: μP ${muPSpread.toFixed(2)}, NTK ${ntkSpread.toFixed(2)}`,
      },
    ],
  };
}

/** Fig 5: learning-rate transfer across depth for residual networks (ν = 1, α = 4, γ₀ = 1, β₀ = .7, T = 12). */
function depthTransferPart(quick: boolean): StudyPart {
  const rates = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64];
  const depths = quick ? [1, 2, 4] : [1, 2, 4, 8];
  const sweep = (depth: number, branchScale: number) =>
    learningRateSweep({
      data,
      sampling: { kind: 'repeated', samplesPerDim: 4 },
      network: { depth, widthRatio: 1, richness: 1, residual: { branchScale } },
      steps: 12,
      learningRates: rates,
    });
  const rows = depths.map((depth) => ({ depth, constant: sweep(depth, 0.7), scaled: sweep(depth, depthMuPBranchScale(0.7, depth)) }));
  const constantSpread = spread(rows.map((r) => r.constant.best));
  const scaledSpread = spread(rows.map((r) => r.scaled.best));
  return {
    table: {
      title: 'Learning-rate transfer across depth, residual nets: best η₀, DMFT 𝓛(11), ν = 1, α = 4, β₀ = 0.7',
      columns: ['L', 'β_r = β₀ best', 'β_r = β₀/√L best', 'β₀/√L 𝓛 at η₀ = 0.02'],
      rows: rows.map((r) => [r.depth, r.constant.best, r.scaled.best, fixed(r.scaled.finalLoss[2]!)]),
    },
    invariants: [
      {
        name: 'β₀/√L branches transfer η₀ across depth better than constant branches',
        ok: scaledSpread < constantSpread,
        detail: `max/min best η₀: β₀/√L ${scaledSpread.toFixed(2)}, constant ${constantSpread.toFixed(2)}`,
      },
    ],
  };
}

/** DMFT against finite μP networks (α = 2, L = 2, η₀ = .05, 𝓛(30)): mean ± standard error over seeds. */
function simulationPart(quick: boolean): StudyPart {
  const inputDim = quick ? 100 : 300;
  const seeds = quick ? 3 : 6;
  const widths = quick ? [0.5, 2] : [0.5, 1, 2, 4];
  const rows = widths.map((widthRatio) => {
    const network: NetworkSpec = { depth: 2, widthRatio, richness: 1, learningRate: 0.05 };
    const theory = solveDmft({ data, sampling: repeated2, network, steps: 31 }).testLoss[30]!;
    const values = Array.from({ length: seeds }, (_, s) =>
      simulateNetwork({ data, sampling: repeated2, network, inputDim, steps: 31, seed: 1000 + s }).testLoss[30]!,
    );
    const mean = values.reduce((a, b) => a + b) / seeds;
    const se = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / ((seeds - 1) * seeds));
    return { widthRatio, theory, mean, se };
  });
  return {
    table: {
      title: `DMFT against finite μP networks: 𝓛(30), D = ${inputDim}, ${seeds} seeds (α = 2, L = 2, η₀ = 0.05)`,
      columns: ['ν', 'DMFT', 'simulation mean ± s.e.', 'z'],
      rows: rows.map((r) => [r.widthRatio, fixed(r.theory), `${fixed(r.mean)} ± ${fixed(r.se)}`, ((r.mean - r.theory) / r.se).toFixed(2)]),
    },
    invariants: [
      {
        name: 'simulations agree with the DMFT (|z| < 4)',
        ok: rows.every((r) => Math.abs(r.mean - r.theory) < 4 * r.se),
        detail: rows.map((r) => `ν=${r.widthRatio}: z=${((r.mean - r.theory) / r.se).toFixed(2)}`).join(', '),
      },
    ],
  };
}
