import { Matrix64, qrTriangle, thinQr } from '@duality/linalg-core';

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
  /** h_i = d_i z_iᵀ(ZᵀDZ)⁻¹z_i (they sum to p); all 0 when not asked for. */
  leverages: Float64Array;
  /** R11 (p×p, upper triangular, row-major) with R11ᵀR11 = ZᵀD̃Z, D̃ = D / max d. */
  gramFactor: Float64Array;
}

/**
 * One thin QR of √D̃[Z | c] (D̃ = D / max d, so large t does not underflow every row) through the backend (LAPACK's
 * dgeqrf where available): R11 gives log|ZᵀDZ| and β̂ = R11⁻¹R12, ‖R22‖² the weighted residual sum of squares, and
 * the rows of Q's first p columns the leverages (without them, R alone: dgeqrf without dorgqr, about half the work).
 * Only rows where [Z | c] is nonzero enter (r + b on a low-rank fit). O(n(p+k)²).
 */
export function weightedProjection(z: Matrix64, c: Matrix64, logDecay: Float64Array, withLeverages = true): WeightedProjection {
  const n = z.rows;
  const p = z.cols;
  const k = c.cols;
  const q = p + k;
  let maxLog = -Infinity;
  for (let i = 0; i < n; i++) maxLog = Math.max(maxLog, logDecay[i]!);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    if (z.data.subarray(i * p, (i + 1) * p).some((v) => v !== 0) || c.data.subarray(i * k, (i + 1) * k).some((v) => v !== 0)) rows.push(i);
  }
  // thinQr needs at least q rows: zero rows change neither R nor the leverages.
  const a = new Matrix64(Math.max(rows.length, q), q);
  rows.forEach((i, row) => {
    const root = Math.exp(0.5 * (logDecay[i]! - maxLog));
    for (let j = 0; j < p; j++) a.data[row * q + j] = root * z.data[i * p + j]!;
    for (let j = 0; j < k; j++) a.data[row * q + p + j] = root * c.data[i * k + j]!;
  });
  const { q: basis, r: upper } = withLeverages ? thinQr(a) : { q: undefined, r: qrTriangle(a) };
  const r = upper.data;
  let logDetGram = p * maxLog;
  for (let j = 0; j < p; j++) logDetGram += 2 * Math.log(Math.abs(r[j * q + j]!));
  let rss = 0;
  for (let i = p; i < q; i++) for (let j = i; j < q; j++) rss += r[i * q + j]! ** 2;
  const beta = backSubstituted(r, p, k);
  const residual = c.data.slice();
  rows.forEach((i) => {
    for (let col = 0; col < k; col++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += z.data[i * p + l]! * beta[l * k + col]!;
      residual[i * k + col]! -= s;
    }
  });
  // Leverages: squared row norms of √D̃ Z R11⁻¹, the first p columns of Q.
  const leverages = new Float64Array(n);
  if (basis) {
    rows.forEach((i, row) => {
      let h = 0;
      for (let j = 0; j < p; j++) h += basis.data[row * q + j]! ** 2;
      leverages[i] = h;
    });
  }
  const gramFactor = new Float64Array(p * p);
  for (let i = 0; i < p; i++) gramFactor.set(r.subarray(i * q + i, i * q + p), i * p + i);
  return { beta, residual, logWeightedRss: maxLog + Math.log(rss), logDetGram, leverages, gramFactor };
}

/** β̂ = R11⁻¹R12 (p×k) by back substitution, R the (p+k)-square factor of [Z | c]. */
function backSubstituted(r: Float64Array, p: number, k: number): Float64Array {
  const q = p + k;
  const beta = new Float64Array(p * k);
  for (let col = 0; col < k; col++) {
    for (let i = p - 1; i >= 0; i--) {
      let s = r[i * q + p + col]!;
      for (let l = i + 1; l < p; l++) s -= r[i * q + l]! * beta[l * k + col]!;
      beta[i * k + col] = s / r[i * q + i]!;
    }
  }
  return beta;
}
