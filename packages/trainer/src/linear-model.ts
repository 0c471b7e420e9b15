import { gemm, lowRankSpectrum, Matrix64 } from '@duality/linalg-core';
import { fitSpectral, predictAt, stageTwoRule, type StageTwoRuleName } from '@duality/mixed-model';
import type { TwoStageAnalysis } from './analysis.js';
import type { LinearPart } from './linear-part.js';

/**
 * The linear model beside the network (math.md §7.3): the same engine with the linear kernel XXᵀ/(d·n) of the
 * standardised features (the NTK of x ↦ wᵀx/√d on the training scale of §0) and an intercept as fixed effect,
 * stopped by the same rule and predicting by the path formulas. From a thin QR/SVD of X/√(d·n): the low-rank fit of
 * math.md §6 is exact for this kernel (rank ≤ d), so no n×n matrix is formed.
 */
export interface LinearModelSection {
  /** The rule that stopped it (the run's stage-2 rule). */
  rule: StageTwoRuleName;
  /** Its stop in the linear kernel's own time (Infinity: ordinary least squares on every feature). */
  time: number;
  outcome: string;
  /** ½·LOO(t) at its stop, with the leave-one-out rule: the estimated out-of-sample half MSE. */
  looLoss?: number;
  /** Half MSE on the test rows (1/2n*)‖f − y‖², summed over outputs, in the report's units (standardised targets). */
  testLoss?: number;
  /** √(2·testLoss/k): the test RMSE per output, in the same units (times the target's sd for its own units). */
  testRmse?: number;
  /** The network's whole predictor at the run's stop, the same measure. */
  networkTestRmse?: number;
  /** Which wins on the test rows and by how much, in a sentence (or why nothing was compared). */
  verdict: string;
}

function ones(rows: number): Matrix64 {
  return new Matrix64(rows, 1, new Float64Array(rows).fill(1));
}

/** (1/2n)‖A − B‖²_F. */
function halfMeanSquared(a: Matrix64, b: Matrix64): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i]! - b.data[i]!) ** 2;
  return s / (2 * a.rows);
}

/** Which of the two test RMSEs wins and by how much, as a relative difference (so it holds in any units). */
function verdictOf(linear: number, network: number): string {
  const relative = Math.abs(network - linear) / linear;
  const amount = `${(100 * relative).toFixed(1)}%`;
  if (relative < 0.005) return 'the network and the linear model do equally well on the test rows (RMSEs within 0.5%)';
  return network < linear
    ? `the network beats the linear model on the test rows: its RMSE is ${amount} lower`
    : `the linear model beats the network on the test rows: the network's RMSE is ${amount} higher`;
}

/** The section in one line, RMSEs times `scale` (the target's sd: target units for standardised targets). */
export function linearModelLine(section: LinearModelSection, scale = 1): string {
  if (section.testRmse === undefined) return section.verdict;
  const network = section.networkTestRmse === undefined ? '' : ` against the network's ${(scale * section.networkTestRmse).toPrecision(4)}`;
  return `test RMSE ${(scale * section.testRmse).toPrecision(4)}${network} (${section.rule} stop, t = ${section.time.toPrecision(4)}); ${section.verdict}`;
}

/**
 * Fit, stop and test the linear model on the training rows (x standardised, y as the run's targets), and compare its
 * test RMSE with the network's (`networkTestLoss`: the run's half MSE at its stop). O(n d²) for the thin QR.
 */
export function linearModelSection(
  x: Matrix64,
  y: Matrix64,
  test: { x: Matrix64; y: Matrix64 } | undefined,
  rule: StageTwoRuleName,
  networkTestLoss: number | undefined,
): LinearModelSection {
  const { rows: n, cols: d } = x;
  const k = y.cols;
  const scale = 1 / Math.sqrt(d * n);
  // The low-rank fit needs room for its r directions and the columns of [y | intercept] beside them.
  const room = (rank: number) => rank + k + 1 <= n;
  const noModel = (rank: number): LinearModelSection => ({ rule, time: 0, outcome: 'zero', verdict: `no linear model: its ${rank} feature directions leave no residual among n = ${n} rows` });
  if (!room(Math.min(d, n))) return noModel(Math.min(d, n));
  const spectrum = lowRankSpectrum(new Matrix64(n, d, x.data.map((v) => v * scale)));
  if (!room(spectrum.rank)) return noModel(spectrum.rank);
  const crossProjections = test ? gemm(gemm(spectrum.vectors, x, { transA: true }), test.x, { transB: true }) : undefined;
  if (crossProjections) for (let q = 0; q < crossProjections.data.length; q++) crossProjections.data[q]! *= scale * scale;
  const fit = fitSpectral({ lowRank: { values: spectrum.values, vectors: spectrum.vectors, crossProjections }, y, design: ones(n) });
  const stop = stageTwoRule(fit, rule);
  const section = { rule, time: stop.time, outcome: stop.outcome, ...(rule === 'loo' ? { looLoss: stop.value / 2 } : {}) };
  if (!test) return { ...section, verdict: 'no test rows: the linear model and the network are not compared' };
  const testLoss = halfMeanSquared(predictAt(fit, stop.time, { designNew: ones(test.x.rows) }), test.y);
  const testRmse = Math.sqrt((2 * testLoss) / k);
  if (networkTestLoss === undefined) return { ...section, testLoss, testRmse, verdict: 'the network was not measured on the test rows' };
  const networkTestRmse = Math.sqrt((2 * networkTestLoss) / k);
  return { ...section, testLoss, testRmse, networkTestRmse, verdict: verdictOf(testRmse, networkTestRmse) };
}

/**
 * The report's linear sections: the linear model beside the network on the targets as given (every run), and with
 * fixed effects 'linear' the linear part the network was trained beside. `networkTestLoss`: the run's test half MSE
 * at its stop (of the whole predictor).
 */
export function linearSections(analysis: TwoStageAnalysis, networkTestLoss: number | undefined): { linearModel: LinearModelSection; linearPart?: LinearPart } {
  const { y, test } = analysis.targets ?? analysis;
  const linearModel = linearModelSection(analysis.x, y, test, analysis.rule, networkTestLoss);
  return { linearModel, ...(analysis.linearPart ? { linearPart: analysis.linearPart } : {}) };
}
