import { eigSym, gemm, lowRankSpectrum, Matrix64, syrk, thinQr } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { fitLessFixedPart } from './fixed-part.js';
import { looResiduals } from './loo.js';
import { pathAt, predictAt } from './path.js';
import { scoreTest } from './score-test.js';
import { fitSpectral } from './spectral-fit.js';
import { denseSolve, normalGenerator, spectralFunction } from './test-utils.js';

/*
 * "Beyond linear" (math.md §7.3): a design of an intercept and every feature. The test's null weights from a thin
 * QR of the design against the explicit projector P = I − Q_XQ_Xᵀ (n small enough to form it), on the dense and
 * the low-rank path; and the BLUP with fixed effects as β̂(t) plus the design-free path of u − Xβ̂(t).
 */

function gaussian(rows: number, cols: number, next: () => number): Matrix64 {
  return new Matrix64(rows, cols, Float64Array.from({ length: rows * cols }, next));
}

/** [1, x]: an intercept and the features. */
function withIntercept(x: Matrix64): Matrix64 {
  const out = new Matrix64(x.rows, x.cols + 1);
  for (let i = 0; i < x.rows; i++) {
    out.data[i * out.cols] = 1;
    out.data.set(x.row(i), i * out.cols + 1);
  }
  return out;
}

/** Features x (n×d), a rank-r factor F = tanh(x A)/√(rn) with a few features mixed in, and y linear + nonlinear + noise. */
function problem(n: number, d: number, r: number, seed: number) {
  const next = normalGenerator(seed);
  const x = gaussian(n + 20, d, next);
  const a = gaussian(d, r, next);
  const f = gemm(x, a);
  for (let q = 0; q < f.data.length; q++) f.data[q] = Math.tanh(f.data[q]!) / Math.sqrt(r * n);
  const beta = gaussian(d, 1, next);
  const linear = gemm(x, beta);
  const y = Float64Array.from({ length: n + 20 }, (_, i) => 1 + linear.data[i]! + 2 * Math.sin(x.data[i * d]! * x.data[i * d + 1]!) + 0.3 * next());
  const rows = (m: Matrix64, from: number, to: number) => new Matrix64(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
  return { x: rows(x, 0, n), xNew: rows(x, n, n + 20), f: rows(f, 0, n), fNew: rows(f, n, n + 20), y: y.subarray(0, n), yNew: y.subarray(n) };
}

/** The test's statistic and null weights from the explicit n×n projector: S = m·uᵀPΘPu/uᵀPu, μ = eig(PΘP) less p zeros. */
function explicitTest(theta: Matrix64, design: Matrix64, u: ArrayLike<number>) {
  const n = theta.rows;
  const p = design.cols;
  const q = thinQr(design).q;
  const projector = gemm(q, q, { transB: true });
  for (let q2 = 0; q2 < projector.data.length; q2++) projector.data[q2] = (q2 % (n + 1) === 0 ? 1 : 0) - projector.data[q2]!;
  const pu = gemm(projector, Matrix64.column(u));
  const ptp = gemm(gemm(projector, theta), projector);
  const num = gemm(pu, gemm(theta, pu), { transA: true }).data[0]!;
  const den = gemm(pu, pu, { transA: true }).data[0]!;
  const mu = eigSym(ptp, { vectors: 'none' }).values.subarray(0, n - p);
  return { statistic: ((n - p) * num) / den, mu };
}

function expectClose(actual: ArrayLike<number>, reference: ArrayLike<number>, relative: number): void {
  expect(actual.length).toBe(reference.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i]!));
  for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - reference[i]!));
  expect(worst).toBeLessThanOrEqual(relative * scale);
}

describe('the beyond-linear test (math.md §7.3): null weights from a thin QR of the design', () => {
  const pb = problem(160, 12, 20, 3);
  const design = withIntercept(pb.x);
  const spectrum = lowRankSpectrum(pb.f);
  const rho = 1e-3 * spectrum.values[0]!;
  // The dense kernel of the low-rank one: U_rΛU_rᵀ + ρ(I − U_rU_rᵀ).
  const theta = syrk(pb.f);
  const uu = syrk(spectrum.vectors);
  for (let q = 0; q < theta.data.length; q++) theta.data[q]! += rho * ((q % (pb.x.rows + 1) === 0 ? 1 : 0) - uu.data[q]!);

  it('dense path: S and μ (eigenvalues of PΘP less p zeros) equal the explicit projector’s', () => {
    const reference = explicitTest(theta, design, pb.y);
    const test = scoreTest(fitSpectral({ kernel: theta, y: pb.y, design }));
    expect(test.m).toBe(160 - 13);
    expect(Math.abs(test.statistic - reference.statistic)).toBeLessThanOrEqual(1e-10 * reference.statistic);
    expectClose(test.nullEigenvalues, reference.mu, 1e-10);
  });

  it('low-rank path (r = 20, ρ > 0 and ρ = 0): r eigenvalues ρ + eig(G S Gᵀ) and m − r copies of ρ', () => {
    for (const remainder of [rho, 0]) {
      const dense = remainder === 0 ? syrk(pb.f) : theta;
      const reference = explicitTest(dense, design, pb.y);
      const low = scoreTest(fitSpectral({ lowRank: { values: spectrum.values, vectors: spectrum.vectors, remainder }, y: pb.y, design }));
      expect(Math.abs(low.statistic - reference.statistic)).toBeLessThanOrEqual(1e-10 * reference.statistic);
      // The explicit eigenvalues at ρ = 0 carry rounding ~ n·ε·λ1 where they are exactly 0.
      expectClose(low.nullEigenvalues, reference.mu, 1e-10);
      expect(low.nullEigenvalues.filter((v) => v === remainder).length).toBeGreaterThanOrEqual(160 - 13 - 20);
    }
  });
});

describe('training what was tested (math.md §2.2): Xβ̂(t) + the design-free path of u − Xβ̂(t) is the BLUP', () => {
  const pb = problem(120, 6, 120, 5);
  const design = withIntercept(pb.x);
  const designNew = withIntercept(pb.xNew);
  const kernel = syrk(pb.f);
  const crossKernel = gemm(pb.fNew, pb.f, { transB: true });
  const fit = fitSpectral({ kernel, y: pb.y, design, crossKernel });

  it.each([0, 0.3, 7, 1e3, { learningRate: 0.5 / fit.eigenvalues[0]!, steps: 40 }])('at t = %j, in sample and at new points, to float64 rounding', (time) => {
    const blup = pathAt(fit, time);
    const beta = blup.fixedEffects!;
    const rest = fitLessFixedPart(fit, design, beta);
    const network = pathAt(rest, time, { useDesign: false });
    const linear = gemm(design, beta);
    const size = Math.max(...Array.from(pb.y, Math.abs));
    expectClose(network.fitted!.data.map((v, i) => v + linear.data[i]!), blup.fitted!.data, 1e-12 * (size / Math.max(...Array.from(blup.fitted!.data, Math.abs))));
    const predicted = predictAt(fit, time, { designNew });
    const networkNew = predictAt(rest, time, {}, { useDesign: false });
    const linearNew = gemm(designNew, beta);
    expectClose(networkNew.data.map((v, i) => v + linearNew.data[i]!), predicted.data, 1e-12);
  });

  it('refuses a design that is not the fit’s, and β of the wrong shape', () => {
    expect(() => fitLessFixedPart(fit, pb.x, new Matrix64(7, 1))).toThrow(/design is 120×6 but the fit's X is 120×7/);
    expect(() => fitLessFixedPart(fit, design, new Matrix64(6, 1))).toThrow(/β is 6×1; it must be p×k = 7×1/);
  });
});

describe('leave-one-out with the linear design (13 columns): r_i = [Pu]_i / P_ii, P = V⁻¹ − V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹', () => {
  it('equals the explicit n×n formula at short and long times', () => {
    const pb = problem(90, 12, 90, 9);
    const design = withIntercept(pb.x);
    const kernel = syrk(pb.f);
    const fit = fitSpectral({ kernel, y: pb.y, design });
    const eig = eigSym(kernel);
    for (const time of [0.5, 20]) {
      const vInverse = spectralFunction(eig.vectors!, eig.values, (l) => Math.exp(-time * Math.max(0, l)));
      const vx = gemm(vInverse, design);
      const correction = gemm(vx, denseSolve(gemm(design, vx, { transA: true }), vx.transpose()));
      const p = vInverse.clone();
      for (let q = 0; q < p.data.length; q++) p.data[q]! -= correction.data[q]!;
      const pu = gemm(p, Matrix64.column(pb.y));
      const reference = Float64Array.from({ length: 90 }, (_, i) => pu.data[i]! / p.get(i, i));
      expectClose(looResiduals(fit, time).data, reference, 1e-8);
    }
  });
});
