import { cholesky, choleskySolve, gemm, Matrix64 } from '@duality/linalg-core';
import { designBasis } from './design-basis.js';
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
 * and the leverages of the other directions, which share one weight, only ever enter summed: Σ h = p. Per time this
 * is O(r³ + s p k), where the coordinate form (weighted-projection.ts) costs O(s p²): at r = 1,000 and p = 2,924
 * about 80 times less. When some λ_j < ρ (ψ_j > 1) the square roots are not real and the coordinate form is used.
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
  /** log|ZᵀZ|. */
  readonly logDetZtZ: number;
}

/** The GLS at one time in the r-dimensional form: what weighted-projection.ts returns, less its p×p factor. */
export interface LowRankGls {
  beta: Float64Array;
  residual: Float64Array;
  logWeightedRss: number;
  logDetGram: number;
  leverages: Float64Array;
  /** T's Cholesky factor and Ω b, for leave-one-out (low-rank-loo.ts). */
  factor: Matrix64;
  omegaB: Matrix64;
  /** φ^{1/2} (r). */
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
  const design = { r, s, p, k, qz, rz, g, m: gemm(g, g, { transB: true }), qzc, b, logDetZtZ };
  cache.set(z, design);
  return design;
}

/** T = ψ + φ^{1/2} N φ^{1/2} with N = I − M, and φ^{1/2}. */
function timeMatrix(design: LowRankDesign, psi: Float64Array, phi: Float64Array): { t: Matrix64; rootPhi: Float64Array } {
  const { r, m } = design;
  const rootPhi = phi.map(Math.sqrt);
  const t = new Matrix64(r, r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) t.data[i * r + j] = rootPhi[i]! * ((i === j ? 1 : 0) - m.data[i * r + j]!) * rootPhi[j]!;
    t.data[i * r + i]! += psi[i]!;
  }
  return { t, rootPhi };
}

/** Diagonal scaling of rows: diag(v)·A. */
function scaledRows(v: Float64Array, a: Matrix64): Matrix64 {
  const out = a.clone();
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[i * a.cols + j]! *= v[i]!;
  return out;
}

/**
 * The GLS of c on Z with weights d = e^{logDecay} at one time, or undefined where T is not positive definite at
 * working precision (β not identified: the directions X needs have all decayed).
 */
export function lowRankGls(design: LowRankDesign, c: Matrix64, logDecay: Float64Array, withLeverages: boolean): LowRankGls | undefined {
  const { r, s, p, k, qz, rz, g, qzc, b } = design;
  const n = logDecay.length;
  const logRemainder = logDecay[r]!;
  const psi = new Float64Array(r);
  const phi = new Float64Array(r);
  for (let j = 0; j < r; j++) {
    const gap = logDecay[j]! - logRemainder;
    psi[j] = Math.exp(gap);
    phi[j] = -Math.expm1(gap);
  }
  const { t, rootPhi } = timeMatrix(design, psi, phi);
  let factor: Matrix64;
  try {
    factor = cholesky(t);
  } catch {
    return undefined;
  }
  let logDetT = 0;
  for (let j = 0; j < r; j++) logDetT += 2 * Math.log(factor.data[j * r + j]!);
  const omegaB = scaledRows(rootPhi, choleskySolve(factor, scaledRows(rootPhi, b)));
  // a = R_Zβ̂ = Q_Zᵀc − Gᵀ(Ωb); e = c − Q_Z a on the s rows (zero past them).
  const a = gemm(g, omegaB, { transA: true });
  for (let x = 0; x < p * k; x++) a.data[x] = qzc.data[x]! - a.data[x]!;
  const fitted = gemm(qz, a);
  const residual = new Float64Array(n * k);
  for (let x = 0; x < s * k; x++) residual[x] = c.data[x]! - fitted.data[x]!;
  const leverages = withLeverages ? lowRankLeverages(design, factor, rootPhi, psi, n) : new Float64Array(n);
  return {
    beta: upperSolve(rz, a),
    residual,
    logWeightedRss: logWeightedSum(residual, logDecay, k),
    logDetGram: p * logRemainder + logDetT + design.logDetZtZ,
    leverages,
    factor,
    omegaB,
    rootPhi,
  };
}

/**
 * h_j = ψ_j [M + M Ω M]_jj on the first r directions; the other n − r directions share one weight in every sum the
 * statistics take, so their total p − Σ_{j<r} h_j is spread evenly over them (another orthonormal basis of the same
 * eigenspace, low-rank-fit.ts: every statistic is unchanged).
 */
function lowRankLeverages(design: LowRankDesign, factor: Matrix64, rootPhi: Float64Array, psi: Float64Array, n: number): Float64Array {
  const { r, p, m } = design;
  const scaledM = scaledRows(rootPhi, m);
  const solved = choleskySolve(factor, scaledM);
  const leverages = new Float64Array(n);
  let top = 0;
  for (let j = 0; j < r; j++) {
    let quadratic = 0;
    for (let l = 0; l < r; l++) quadratic += scaledM.data[l * r + j]! * solved.data[l * r + j]!;
    leverages[j] = psi[j]! * (m.data[j * r + j]! + quadratic);
    top += leverages[j]!;
  }
  leverages.fill(Math.max(0, p - top) / (n - r), r);
  return leverages;
}

/** log Σ_i d_i Σ_j e_ij², scaled by the largest d so large t does not underflow. */
function logWeightedSum(residual: Float64Array, logDecay: Float64Array, k: number): number {
  let top = -Infinity;
  for (const v of logDecay) top = Math.max(top, v);
  let sum = 0;
  for (let i = 0; i < logDecay.length; i++) {
    let e2 = 0;
    for (let j = 0; j < k; j++) e2 += residual[i * k + j]! ** 2;
    if (e2 > 0) sum += Math.exp(logDecay[i]! - top) * e2;
  }
  return top + Math.log(sum);
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
