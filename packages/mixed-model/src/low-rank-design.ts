import { cholesky, choleskySolve, gemm, lowerTriangularSolve, Matrix64, qrTriangle } from '@duality/linalg-core';
import { designBasis } from './design-basis.js';
import type { DesignGls } from './design-gls.js';
import type { SpectralFit } from './spectral-fit.js';

/*
 * Generalised least squares with a wide design on a low-rank fit, in r dimensions (math.md §7.3).
 *
 * The fit's coordinates (low-rank-fit.ts) are zero past s = r + b rows, and every direction past the first r shares
 * the decay d_ρ. Write Z = Q_Z R_Z for the thin QR of the design's coordinates (s×p, design-basis.ts), G = Q_Z's
 * first r rows (r×p), M = GGᵀ and N = I − M (r×r), and per time
 *
 *   ψ_j = d_j/d_ρ,  φ_j = 1 − ψ_j  (both in [0, 1] when λ_j ≥ ρ),   T = ψ + φ^{1/2} N φ^{1/2}   (r×r, SPD).
 *
 * Then D/d_ρ = I − E_r φ E_rᵀ, so ZᵀDZ = d_ρ R_Zᵀ(I − GᵀφG)R_Z, and Woodbury on the r-dimensional update gives
 *
 *   log|ZᵀDZ| = p log d_ρ + log|T| + log|ZᵀZ|,
 *   Ω = φ^{1/2} T⁻¹ φ^{1/2},   β̂ = R_Z⁻¹(Q_Zᵀc − Gᵀ Ω b),   b = the first r rows of (I − Q_ZQ_Zᵀ)c,
 *   h_j = ψ_j [M + M Ω M]_jj   (the leverages of the first r directions: positive terms, no cancellation),
 *
 * and the leverages of the other directions, which share one weight, only ever enter summed: Σ h = p. The residual
 * e = c − Zβ̂ = (I − Q_ZQ_Zᵀ)c + Q_Z Gᵀ Ωb is b + MΩb on the first r rows; on the others, which share one weight, only
 * its norm enters the statistics, ‖m + FΩb‖ = ‖R_F [Ωb; 1]‖ with F = the other rows of Q_Z times Gᵀ, m those of
 * (I − Q_ZQ_Zᵀ)c and R_F the triangle of a thin QR of [F | m], formed once. So per time the likelihood and the
 * weighted sums cost O(r³) (one Cholesky factor), the leverages one more triangular solve, and β̂ and e in full
 * (for the path and predictions) O(s p k); the coordinate form (weighted-projection.ts) costs O(s p²) for each: at
 * r = 1,000 and p = 2,924 about 80 times more. Where some λ_j < ρ (ψ_j > 1) the square roots are not real and the
 * coordinate form is used.
 */

/** What the r-dimensional form needs of a fit, computed once per fit. */
export interface LowRankDesign {
  /** r: the directions with eigenvalues of their own. */
  readonly r: number;
  /** s = r + b: the coordinate rows where c and Z can be nonzero. */
  readonly s: number;
  readonly p: number;
  readonly k: number;
  /** Q_Z on the s rows (s×p, zero rows where Z is zero). */
  readonly qz: Matrix64;
  /** R_Z (p×p) with R_ZᵀR_Z = ZᵀZ. */
  readonly rz: Matrix64;
  /** G = Q_Z's first r rows (r×p). */
  readonly g: Matrix64;
  /** M = GGᵀ (r×r): the unweighted hat matrix on the first r directions. */
  readonly m: Matrix64;
  /** Q_Zᵀc (p×k). */
  readonly qzc: Matrix64;
  /** The first r rows of (I − Q_ZQ_Zᵀ)c (r×k). */
  readonly b: Matrix64;
  /** R_F ((r + k)×(r + k)): ‖(rows past r of e)‖ = ‖R_F [Ωb; I_k]‖. */
  readonly restFactor: Matrix64;
  /** log|ZᵀZ|. */
  readonly logDetZtZ: number;
}

/** The GLS at one time: the likelihood's parts at once, β̂, e and the leverages on first use, and for leave-one-out: */
export interface LowRankGls extends DesignGls {
  /** T's Cholesky factor, Ωb and φ^{1/2}: what leave-one-out needs (low-rank-loo.ts). */
  factor: Matrix64;
  omegaB: Matrix64;
  rootPhi: Float64Array;
}

const cache = new WeakMap<Matrix64, LowRankDesign>();

/**
 * Whether the r-dimensional form applies and pays: a low-rank fit, every λ_j ≥ ρ, and a design wide enough that
 * O(r³) per time beats the coordinate form's O((r + p) p²) (and, for leave-one-out, O(n r²) beats O(n (r + p) p)).
 */
export function usesLowRankDesign(fit: SpectralFit, z: Matrix64 | undefined): boolean {
  const basis = fit.lowRankBasis;
  if (!basis || !z) return false;
  const r = basis.vectors.cols;
  if (r >= fit.n) return false;
  for (let j = 0; j < r; j++) if (fit.eigenvalues[j]! < basis.remainder) return false;
  const p = z.cols;
  return r * r < p * (r + 2 * p);
}

/**
 * Refinement points per round for a search whose criterion solves the GLS at each time (time-grid.ts): on the
 * r-dimensional form every time costs an r×r Cholesky factor (leave-one-out: an n×r² product more), so a
 * one-point search (about 4 times from a grid cell to the step, on whole steps) beats batches of 31 (50 or more);
 * elsewhere a batch costs about one evaluation and the default stands.
 */
export function searchRefinePoints(fit: SpectralFit, z: Matrix64 | undefined): number | undefined {
  return usesLowRankDesign(fit, z) ? 1 : undefined;
}

/** R_F of [F | m], F = Q_Z's rows past r times Gᵀ, m = (I − Q_ZQ_Zᵀ)c's rows past r (zero rows pad it square). */
function restFactor(qz: Matrix64, g: Matrix64, along: Matrix64, c: Matrix64, r: number, k: number): Matrix64 {
  const { rows: s, cols: p } = qz;
  const rest = new Matrix64(s - r, p, qz.data.subarray(r * p));
  const f = gemm(rest, g, { transB: true });
  const width = r + k;
  const stacked = new Matrix64(Math.max(s - r, width), width);
  for (let i = 0; i < s - r; i++) {
    stacked.data.set(f.data.subarray(i * r, (i + 1) * r), i * width);
    for (let j = 0; j < k; j++) stacked.data[i * width + r + j] = c.data[(r + i) * k + j]! - along.data[(r + i) * k + j]!;
  }
  return qrTriangle(stacked);
}

/** The once-per-fit quantities of the r-dimensional form (cached per design projection). */
export function lowRankDesign(fit: SpectralFit, z: Matrix64): LowRankDesign {
  const cached = cache.get(z);
  if (cached) return cached;
  const basis = fit.lowRankBasis!;
  const r = basis.vectors.cols;
  const s = r + basis.complement.cols;
  const { rows, q, r: rz } = designBasis(z);
  const p = z.cols;
  const k = fit.outputs;
  const qz = new Matrix64(s, p);
  rows.forEach((i, row) => qz.data.set(q.data.subarray(row * p, (row + 1) * p), i * p));
  const c = new Matrix64(s, k, fit.residualProjections.data.subarray(0, s * k));
  const qzc = gemm(qz, c, { transA: true });
  const along = gemm(qz, qzc);
  const b = new Matrix64(r, k);
  for (let x = 0; x < r * k; x++) b.data[x] = c.data[x]! - along.data[x]!;
  const g = new Matrix64(r, p, qz.data.slice(0, r * p));
  let logDetZtZ = 0;
  for (let j = 0; j < p; j++) logDetZtZ += 2 * Math.log(Math.abs(rz.data[j * p + j]!));
  const m = gemm(g, g, { transB: true });
  const design = { r, s, p, k, qz, rz, g, m, qzc, b, restFactor: restFactor(qz, g, along, c, r, k), logDetZtZ };
  cache.set(z, design);
  return design;
}

/** T = ψ + φ^{1/2} N φ^{1/2} with N = I − M. */
function timeMatrix(m: Matrix64, psi: Float64Array, rootPhi: Float64Array): Matrix64 {
  const r = m.rows;
  const t = new Matrix64(r, r);
  for (let i = 0; i < r; i++) {
    const row = i * r;
    for (let j = 0; j < r; j++) t.data[row + j] = -rootPhi[i]! * m.data[row + j]! * rootPhi[j]!;
    t.data[row + i]! += rootPhi[i]! * rootPhi[i]! + psi[i]!;
  }
  return t;
}

/** Diagonal scaling of rows: diag(v)·A, a new matrix. */
function scaledRows(v: Float64Array, a: Matrix64): Matrix64 {
  const out = a.clone();
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[i * a.cols + j]! *= v[i]!;
  return out;
}

/**
 * The GLS of c on Z with weights d = e^{logDecay} at one time, or undefined where T is not positive definite at
 * working precision (β not identified: the directions X needs have all decayed).
 */
export function lowRankGls(design: LowRankDesign, c: Matrix64, logDecay: Float64Array): LowRankGls | undefined {
  const { r, p, k, m, b, restFactor: rf } = design;
  const n = logDecay.length;
  const logRemainder = logDecay[r]!;
  const psi = new Float64Array(r);
  const rootPhi = new Float64Array(r);
  for (let j = 0; j < r; j++) {
    const gap = logDecay[j]! - logRemainder;
    psi[j] = Math.exp(gap);
    rootPhi[j] = Math.sqrt(-Math.expm1(gap));
  }
  let factor: Matrix64;
  try {
    factor = cholesky(timeMatrix(m, psi, rootPhi));
  } catch {
    return undefined;
  }
  let logDetT = 0;
  for (let j = 0; j < r; j++) logDetT += 2 * Math.log(factor.data[j * r + j]!);
  const omegaB = scaledRows(rootPhi, choleskySolve(factor, scaledRows(rootPhi, b)));
  const topResidual = gemm(m, omegaB);
  for (let x = 0; x < r * k; x++) topResidual.data[x]! += b.data[x]!;
  const restSquares = restNorm(rf, omegaB, r, k);
  const weightedSquares = (w: Float64Array): number => {
    let sum = r < n ? w[r]! * restSquares : 0;
    for (let j = 0; j < r; j++) for (let l = 0; l < k; l++) sum += w[j]! * topResidual.data[j * k + l]! ** 2;
    return sum;
  };
  let top = -Infinity;
  for (const v of logDecay) top = Math.max(top, v);
  const lazy = lazyParts(design, c, omegaB, () => lowRankLeverages(design, factor, rootPhi, psi, n), n);
  return {
    logWeightedRss: top + Math.log(weightedSquares(logDecay.map((v) => Math.exp(v - top)))),
    logDetGram: p * logRemainder + logDetT + design.logDetZtZ,
    weightedSquares,
    get beta() {
      return lazy.beta();
    },
    get residual() {
      return lazy.residual();
    },
    get leverages() {
      return lazy.leverages();
    },
    factor,
    omegaB,
    rootPhi,
  };
}

/** Σ_j ‖R_F [ω_j; e_j]‖² over the k outputs: the squared norm of the residual past the first r rows. */
function restNorm(rf: Matrix64, omegaB: Matrix64, r: number, k: number): number {
  const width = r + k;
  let sum = 0;
  for (let l = 0; l < k; l++) {
    for (let i = 0; i < width; i++) {
      let v = rf.data[i * width + r + l]!;
      for (let j = i; j < r; j++) v += rf.data[i * width + j]! * omegaB.data[j * k + l]!;
      sum += v * v;
    }
  }
  return sum;
}

/** β̂ and e in full, and the leverages, each formed on first use. */
function lazyParts(design: LowRankDesign, c: Matrix64, omegaB: Matrix64, leverages: () => Float64Array, n: number) {
  const { s, p, k, qz, rz, g, qzc } = design;
  let a: Matrix64 | undefined;
  let beta: Float64Array | undefined;
  let residual: Float64Array | undefined;
  let h: Float64Array | undefined;
  // a = R_Zβ̂ = Q_Zᵀc − Gᵀ(Ωb).
  const scaledBeta = () => {
    if (!a) {
      a = gemm(g, omegaB, { transA: true });
      for (let x = 0; x < p * k; x++) a.data[x] = qzc.data[x]! - a.data[x]!;
    }
    return a;
  };
  return {
    beta: () => (beta ??= upperSolve(rz, scaledBeta())),
    residual: () => {
      if (!residual) {
        const fitted = gemm(qz, scaledBeta());
        residual = new Float64Array(n * k);
        for (let x = 0; x < s * k; x++) residual[x] = c.data[x]! - fitted.data[x]!;
      }
      return residual;
    },
    leverages: () => (h ??= leverages()),
  };
}

/**
 * h_j = ψ_j (M_jj + ‖L⁻¹φ^{1/2}M e_j‖²) on the first r directions (T = L Lᵀ); the other n − r directions share one
 * weight in every sum the statistics take, so their total p − Σ_{j<r} h_j is spread evenly over them (another
 * orthonormal basis of the same eigenspace, low-rank-fit.ts: every statistic is unchanged).
 */
function lowRankLeverages(design: LowRankDesign, factor: Matrix64, rootPhi: Float64Array, psi: Float64Array, n: number): Float64Array {
  const { r, p, m } = design;
  const solved = lowerTriangularSolve(factor, scaledRows(rootPhi, m), { overwrite: true }).data;
  const leverages = new Float64Array(n);
  let top = 0;
  for (let j = 0; j < r; j++) {
    let quadratic = 0;
    for (let l = 0; l < r; l++) quadratic += solved[l * r + j]! ** 2;
    leverages[j] = psi[j]! * (m.data[j * r + j]! + quadratic);
    top += leverages[j]!;
  }
  leverages.fill(Math.max(0, p - top) / (n - r), r);
  return leverages;
}

/** R⁻¹A for upper-triangular R (p×p) and A (p×k), by back substitution. */
function upperSolve(r: Matrix64, a: Matrix64): Float64Array {
  const p = r.rows;
  const k = a.cols;
  const out = new Float64Array(p * k);
  for (let col = 0; col < k; col++) {
    for (let i = p - 1; i >= 0; i--) {
      let sum = a.data[i * k + col]!;
      for (let l = i + 1; l < p; l++) sum -= r.data[i * p + l]! * out[l * k + col]!;
      out[i * k + col] = sum / r.data[i * p + i]!;
    }
  }
  return out;
}
