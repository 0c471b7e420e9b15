import { eigSym, gemm, Matrix64, type SymmetricEigen } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { analyzeTwoStage, DEFAULT_MAX_STEPS, defaultNetworkSpec, GradientDescent, kernelDrift, LossProbe, networkKernel } from '@duality/trainer';
import { REAL_DATASETS, bundledDesign } from '../real-data.js';
import type { BenchSuite, Invariant } from '../harness.js';
import { medianQuartiles } from '../statistics.js';

/*
 * Can a rule see the features a network learns after the kernel rules' stop? Re-linearise at LOO's stop t1: with
 * Θ1 the empirical NTK at θ_t1 and r1 = y − f_t1 the network's residual, continuing for a time s is, to first order,
 * r(s) = e^{−sΘ1} r1, and the whole run's residual operator is P(s) = e^{−sΘ1} e^{−t1Θ0}. The leave-one-out
 * estimate of the continued network is mean_i (r_i(s)/P_ii(s))²: at Θ1 = Θ0 it is exactly LOO(t1 + s), whose
 * minimum is at s = 0. Where it falls below its s = 0 value, continuing is expected to help.
 */

/** Continuation times on a log grid from 1% to 100× the elapsed time. */
const GRID = Array.from({ length: 61 }, (_, g) => 10 ** (-2 + (4 * g) / 60));

interface Continuation {
  dataset: string;
  seed: number;
  looSteps: number;
  testAtLoo: number;
  /** Steps the re-linearised LOO adds (0: stop where LOO stopped). */
  extraSteps: number;
  testAfter: number;
  /** Relative Frobenius change of the NTK from θ0 to θ_t1 (the trainer's `kernelDrift`, on up to 500 rows). */
  kernelDrift: number;
}

/** U e^{−tΛ} Uᵀ. */
function propagator(eig: Pick<SymmetricEigen, 'values' | 'vectors'>, t: number): Matrix64 {
  const U = eig.vectors!;
  const n = U.rows;
  const scaled = new Matrix64(n, n);
  for (let i = 0; i < n; i++) for (let a = 0; a < n; a++) scaled.data[i * n + a] = U.data[i * n + a]! * Math.exp(-t * Math.max(eig.values[a]!, 0));
  return gemm(scaled, U, { transB: true });
}

/** argmin over s ∈ {0} ∪ t1·GRID of mean_i ([e^{−sΘ1} r]_i / [e^{−sΘ1} P]_ii)². */
function continuationTime(eig: SymmetricEigen, residual: Float64Array, previous: Matrix64, elapsed: number): number {
  const U = eig.vectors!;
  const n = U.rows;
  const C = gemm(U, previous, { transA: true });
  const projected = gemm(U, Matrix64.column(residual), { transA: true }).data;
  let best = { s: 0, loss: Infinity };
  for (const s of [0, ...GRID.map((g) => g * elapsed)]) {
    const decay = eig.values.map((v) => Math.exp(-s * Math.max(v, 0)));
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let numerator = 0;
      let denominator = 0;
      for (let a = 0; a < n; a++) {
        const w = U.data[i * n + a]! * decay[a]!;
        numerator += w * projected[a]!;
        denominator += w * C.data[a * n + i]!;
      }
      loss += (numerator / denominator) ** 2;
    }
    if (loss / n < best.loss) best = { s, loss: loss / n };
  }
  return best.s;
}

async function continuation(dataset: string, seed: number, widths?: number[]): Promise<Continuation> {
  const design = await bundledDesign(dataset, seed);
  const { x, y } = design.train;
  const network = buildNetwork(defaultNetworkSpec(x.cols, widths), { seed });
  const analysis = await analyzeTwoStage(network, x, y, { stoppingRule: 'loo' });
  const eta = analysis.learningRate;
  const looSteps = Math.min(analysis.ruleSteps, DEFAULT_MAX_STEPS);
  const descent = new GradientDescent(network, x, y, eta);
  const probe = new LossProbe(design.test.x, design.test.y);
  try {
    descent.step(looSteps);
    const testAtLoo = 2 * probe.loss(descent.forward);
    const atStop = descent.snapshot();
    const measured = async () => ({ relinearised: await networkKernel(atStop, x, undefined, 'empirical'), drift: await kernelDrift(network, atStop, x, seed) });
    const { relinearised, drift } = await measured().finally(() => atStop.dispose());
    const residual = Float64Array.from(y.data, (v, i) => v - relinearised.f0.data[i]!);
    const elapsed = looSteps * eta;
    // Θ0's eigenpairs are the analysis's own (the dense path keeps U).
    const initial = { values: analysis.fit.eigenvalues, vectors: analysis.fit.eigenvectors! };
    const s = continuationTime(eigSym(relinearised.theta, { vectors: 'all' }), residual, propagator(initial, elapsed), elapsed);
    const extraSteps = Math.round(s / eta);
    descent.step(extraSteps);
    return { dataset, seed, looSteps, testAtLoo, extraSteps, testAfter: 2 * probe.loss(descent.forward), kernelDrift: drift.relativeChange };
  } finally {
    descent.dispose();
    probe.dispose();
    network.dispose();
  }
}

export const relineariseSuite: BenchSuite = {
  name: 'relinearise',
  description: 'issue 16: does the NTK at LOO\'s stop (re-linearised LOO) ask the real network to train on?',
  async run(ctx) {
    await initTensorflow();
    const seeds = ctx.quick ? 1 : 5;
    const runs: Continuation[] = [];
    for (const dataset of REAL_DATASETS) {
      const started = performance.now();
      for (let seed = 1; seed <= seeds; seed++) runs.push(await continuation(dataset, seed, ctx.quick ? [16, 16] : undefined));
      ctx.log(`${dataset}: ${seeds} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const invariants: Invariant[] = [
      { name: 'finite test MSE before and after', ok: runs.every((r) => Number.isFinite(r.testAtLoo) && Number.isFinite(r.testAfter)), detail: `${runs.length} runs` },
    ];
    const digits = (x: number) => Number(x.toPrecision(4));
    const rows = runs.map((r) => [r.dataset, r.seed, r.looSteps, digits(r.testAtLoo), digits(r.kernelDrift), r.extraSteps, digits(r.testAfter)]);
    const summary = REAL_DATASETS.map((dataset) => {
      const group = runs.filter((r) => r.dataset === dataset);
      return [dataset, group.length, `${group.filter((r) => r.extraSteps > 0).length}/${group.length}`, medianQuartiles(group.map((r) => r.kernelDrift), 3), medianQuartiles(group.map((r) => r.testAfter / r.testAtLoo), 4)];
    });
    return {
      tables: [
        {
          title: 'Re-linearised LOO at LOO\'s stop: the trainer\'s default network, all training rows, test MSE (standardised)',
          columns: ['dataset', 'seed', 'LOO steps', 'test MSE at LOO', 'kernel drift ‖Θ1 − Θ0‖/‖Θ0‖ (≤ 500 rows)', 'steps added', 'test MSE after'],
          rows,
          notes: ['Splits and networks as in the `real` suite\'s network cells (80/20, seed = split seed, `defaultNetworkSpec`); continuation on a log grid from 1% to 100× the elapsed time.'],
        },
        { title: 'Summary', columns: ['dataset', 'runs', 'asks to train on', 'kernel drift', 'test after / at LOO'], rows: summary },
      ],
      invariants,
      data: { runs },
    };
  },
};
