import { fitSpectral, twoStageDecision } from '@duality/mixed-model';
import {
  drawProblem,
  isotropicData,
  ntkRichness,
  tangentKernelOf,
  trainProblem,
  type DataModel,
  type NetworkSpec,
  type SimulationOptions,
} from '@duality/linear-dynamics';
import type { Invariant, SuiteResult } from '../harness.js';

/** One network trained once: where the two-stage rule stops it and what that costs. */
export interface RemlStopRun {
  /** t̂ converted to GD steps (t̂/η with η = η₀γ₀²N); 0 when stage 1 says do not train; may be Infinity. */
  remlSteps: number;
  /** The step whose risk is charged: round(remlSteps), capped at the last simulated step. */
  chargedStep: number;
  /** argmin_t of the true test loss over the simulated steps. */
  oracleStep: number;
  /** R(t̂)/min_t R(t) with R the true test loss E(y − f)². */
  riskRatio: number;
  /** The same for the excess risk R − σ². */
  excessRiskRatio: number;
  /** Score-test p-value of stage 1. */
  p: number;
}

/**
 * The REML stop of one deep linear network: the two-stage rule (math.md §3) on the network's tangent kernel at
 * initialisation (Θ = JJᵀ/P, f0 and y from its training set), t̂ converted to steps at the raw learning rate, and
 * the simulator's true test-loss curve of the same network for the risk.
 */
export function remlStopRun(options: SimulationOptions): RemlStopRun {
  const problem = drawProblem(options);
  const { kernel, initialOutput, targets, rawLearningRate } = tangentKernelOf(problem, options);
  const decision = twoStageDecision(fitSpectral({ kernel, y: targets, f0: initialOutput }), { rule: 'reml' });
  const { testLoss } = trainProblem(problem, options);
  const remlSteps = decision.train ? decision.time / rawLearningRate : 0;
  const chargedStep = Math.min(Math.round(remlSteps), options.steps - 1);
  let oracleStep = 0;
  testLoss.forEach((loss, t) => {
    if (loss < testLoss[oracleStep]!) oracleStep = t;
  });
  const noise = options.data.noise ** 2;
  const best = testLoss[oracleStep]!;
  const charged = testLoss[chargedStep]!;
  return {
    remlSteps,
    chargedStep,
    oracleStep,
    riskRatio: charged / best,
    excessRiskRatio: (charged - noise) / (best - noise),
    p: decision.test.p,
  };
}

interface SeedsMeetRow {
  label: string;
  network: NetworkSpec;
}

/**
 * "Where the two seeds meet": the REML stop's risk ratio for deep linear networks on repeated noisy data
 * (isotropic, σ = 0.5, α = P/D = 1, where early stopping matters) against γ₀ (lazy → rich), width ν and depth L.
 * The lazy step (L + 1)η₀ = 0.3 is held fixed across depths.
 */
export function seedsMeetStudy({ quick }: { quick: boolean }): SuiteResult {
  const data: DataModel = isotropicData({ noise: 0.5 });
  const inputDim = quick ? 40 : 150;
  const seeds = quick ? 2 : 6;
  const steps = quick ? 150 : 400;
  const net = (depth: number, widthRatio: number, richness: number): NetworkSpec => ({
    depth,
    widthRatio,
    richness,
    learningRate: 0.3 / (depth + 1),
  });
  const richnessGrid = quick ? [0.25, 1, 2] : [0.1, 0.25, 0.5, 1, 1.5, 2];
  const widthGrid = quick ? [0.5, 2] : [0.5, 1, 2, 4];
  const depthGrid = quick ? [1, 3] : [1, 2, 3, 4];
  const rows: SeedsMeetRow[] = [
    ...richnessGrid.map((g) => ({ label: `γ₀ = ${g} (ν = 1, L = 2)`, network: net(2, 1, g) })),
    ...widthGrid.map((nu) => ({ label: `μP ν = ${nu} (γ₀ = 1, L = 2)`, network: net(2, nu, 1) })),
    ...widthGrid.filter((nu) => nu !== 1).map((nu) => ({ label: `NTK ν = ${nu} (γ₀ = ${ntkRichness(nu).toFixed(3)}, L = 2)`, network: net(2, nu, ntkRichness(nu)) })),
    ...depthGrid.map((L) => ({ label: `L = ${L} (ν = 1, γ₀ = 1)`, network: net(L, 1, 1) })),
  ];

  const invariants: Invariant[] = [];
  const tableRows = rows.map(({ label, network }) => {
    const runs = Array.from({ length: seeds }, (_, seed) =>
      remlStopRun({ data, sampling: { kind: 'repeated', samplesPerDim: 1 }, network, inputDim, steps, seed: 1000 + seed }),
    );
    const ratio = meanAndError(runs.map((r) => r.riskRatio));
    const excess = meanAndError(runs.map((r) => r.excessRiskRatio));
    const finite = runs.every((r) => Number.isFinite(r.riskRatio) && r.riskRatio >= 1 - 1e-12);
    invariants.push({
      name: `${label}: risk ratios finite and ≥ 1`,
      ok: finite,
      detail: `ratios ${runs.map((r) => r.riskRatio.toFixed(4)).join(', ')}; oracle steps ${runs.map((r) => r.oracleStep).join(', ')} of ${steps}`,
    });
    return [
      label,
      runs.map((r) => (Number.isFinite(r.remlSteps) ? r.remlSteps.toFixed(1) : '∞')).join(' '),
      runs.map((r) => r.oracleStep).join(' '),
      `${ratio.mean.toFixed(3)} ± ${ratio.error.toFixed(3)}`,
      `${excess.mean.toFixed(3)} ± ${excess.error.toFixed(3)}`,
      Math.max(...runs.map((r) => r.p)).toExponential(1),
    ];
  });
  return {
    tables: [
      {
        title: `Where the two seeds meet: the REML stop on deep linear networks (D = ${inputDim}, α = 1, σ = 0.5, ${seeds} seeds, T = ${steps})`,
        columns: ['network', 'REML t̂ (steps, per seed)', 'oracle step (per seed)', 'R(t̂)/min R', '(R(t̂) − σ²)/(min R − σ²)', 'largest p'],
        rows: tableRows,
        notes: [
          'Kernel: the network’s exact tangent kernel at initialisation, Θ = JJᵀ/P (the spec’s loss (1/2P)Σ(y − f)² is math.md’s convention with n = P), with f0 and y of the training set; t̂ in steps = t̂/(η₀γ₀²N).',
          'R(t) is the simulator’s true test loss E(y − f)²; mean ± standard error over seeds. A t̂ beyond the horizon is charged at the last step; an oracle step at T − 1 means the loss was still falling, so that ratio is a lower bound.',
        ],
      },
    ],
    invariants,
  };
}

function meanAndError(values: number[]): { mean: number; error: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (values.length < 2) return { mean, error: 0 };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, error: Math.sqrt(variance / values.length) };
}
