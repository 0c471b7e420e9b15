import type { Matrix64 } from '@duality/linalg-core';
import { triangularFactor } from './householder.js';

/** Generalised least squares of c on Z with weights d_i = e^{logDecay_i} (math.md §2.2), in the eigenbasis. */
export interface WeightedProjection {
  /** β̂ (p×k, row-major). */
  beta: Float64Array;
  /** e = c − Zβ̂ (n×k, row-major). */
  residual: Float64Array;
  /** log Σ_i d_i Σ_j e_ij². */
  logWeightedRss: number;
  /** log |ZᵀDZ|. */
  logDetGram: number;
  /** h_i = d_i z_iᵀ(ZᵀDZ)⁻¹z_i (they sum to p). */
  leverages: Float64Array;
  /** R11 (p×p, upper triangular, row-major) with R11ᵀR11 = ZᵀD̃Z, D̃ = D / max d. */
  gramFactor: Float64Array;
}

/**
 * One Householder QR of √D̃[Z | c] (D̃ = D / max d, so large t does not underflow every row): R11 gives
 * log|ZᵀDZ| and β̂ = R11⁻¹R12, ‖R22‖² the weighted residual sum of squares. O(n(p+k)²).
 */
export function weightedProjection(z: Matrix64, c: Matrix64, logDecay: Float64Array): WeightedProjection {
  const n = z.rows;
  const p = z.cols;
  const k = c.cols;
  const q = p + k;
  let maxLog = -Infinity;
  for (let i = 0; i < n; i++) maxLog = Math.max(maxLog, logDecay[i]!);
  const root = logDecay.map((l) => Math.exp(0.5 * (l - maxLog)));
  const a = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) a[i * q + j] = root[i]! * z.data[i * p + j]!;
    for (let j = 0; j < k; j++) a[i * q + p + j] = root[i]! * c.data[i * k + j]!;
  }
  const r = triangularFactor(a, n, q);
  let logDetGram = p * maxLog;
  for (let j = 0; j < p; j++) logDetGram += 2 * Math.log(Math.abs(r[j * q + j]!));
  let rss = 0;
  for (let i = p; i < q; i++) for (let j = i; j < q; j++) rss += r[i * q + j]! ** 2;
  // β̂ = R11⁻¹R12 by back substitution.
  const beta = new Float64Array(p * k);
  for (let col = 0; col < k; col++) {
    for (let i = p - 1; i >= 0; i--) {
      let s = r[i * q + p + col]!;
      for (let l = i + 1; l < p; l++) s -= r[i * q + l]! * beta[l * k + col]!;
      beta[i * k + col] = s / r[i * q + i]!;
    }
  }
  const residual = c.data.slice();
  for (let i = 0; i < n; i++) {
    for (let col = 0; col < k; col++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += z.data[i * p + l]! * beta[l * k + col]!;
      residual[i * k + col]! -= s;
    }
  }
  // Leverages: rows of √D̃ Z R11⁻¹ (forward substitution), squared norms.
  const leverages = new Float64Array(n);
  const g = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    let h = 0;
    for (let j = 0; j < p; j++) {
      let s = a[i * q + j]!;
      for (let l = 0; l < j; l++) s -= g[l]! * r[l * q + j]!;
      g[j] = s / r[j * q + j]!;
      h += g[j]! ** 2;
    }
    leverages[i] = h;
  }
  const gramFactor = new Float64Array(p * p);
  for (let i = 0; i < p; i++) gramFactor.set(r.subarray(i * q + i, i * q + p), i * p + i);
  return { beta, residual, logWeightedRss: maxLog + Math.log(rss), logDetGram, leverages, gramFactor };
}
