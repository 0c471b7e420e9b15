import { eigSym, gemm, Matrix64 } from '@duality/linalg-core';
import { KernelInputError } from './errors.js';
import type { KernelScale } from './kernel.js';

/**
 * Default relative cut-off on the eigenvalues of W = Θ(X_r, X_r): directions with λ ≤ tolerance·λ_max are dropped
 * from W^{+1/2}. Kept directions are divided by √λ, so roundoff ε·λ_max in W becomes at most ε²λ_max/tolerance in
 * F Fᵀ; 1e-10 keeps that below float64 noise while dropping only directions the kernel barely has (each dropped one
 * costs at most tolerance·λ_max of Θ).
 */
export const DEFAULT_NYSTROM_TOLERANCE = 1e-10;

/**
 * A Nyström factor Θ ≈ F Fᵀ (math.md §6) that carries its scale like a `Kernel`: on the 'raw' scale Θ_raw ≈ F Fᵀ;
 * `nystromToTrainingScale` divides F and F* by √n (and the diagonal by n), so that F Fᵀ is Θ = Θ_raw/n with n the
 * training size — never the landmark count.
 */
export interface NystromFactor {
  kind: 'ntk' | 'nngp';
  /** F = C W^{+1/2} (n × r′): C = Θ(X, X_r), W = Θ(X_r, X_r), r′ = landmarks − dropped. */
  factor: Matrix64;
  /** Landmark row indices into the training inputs, ascending. */
  landmarks: number[];
  /** The exact diagonal Θ(x_i, x_i) on the factor's scale (its sum is the exact trace; math.md §6). */
  diagonal: Float64Array;
  /** Landmark directions dropped: eigenvalues of W at or below tolerance·λ_max. */
  dropped: number;
  /** F* = Θ(x*, X_r) W^{+1/2} (n* × r′), so F* Fᵀ is the Nyström Θ(x*, X): with `xTest`. */
  crossFactor?: Matrix64;
  scale: KernelScale;
  /** Training-set size: what the training scale divides by. */
  n: number;
}

/** What `nystromFactor` turns into a factor; the cross kernels' buffers are reused for F and F*. */
export interface NystromParts {
  kind: 'ntk' | 'nngp';
  /** C = Θ_raw(X, X_r) (n × r); its landmark rows are W. Consumed: its buffer becomes F's. */
  cross: Matrix64;
  landmarks: number[];
  /** Θ_raw(x_i, x_i), n entries. */
  diagonal: Float64Array;
  /** Θ_raw(x*, X_r) (n* × r), for `crossFactor`. Consumed likewise. */
  testCross?: Matrix64;
}

/** W = C[landmarks, :], symmetrised: C's landmark rows are W up to the roundoff of computing Θ(a, b) and Θ(b, a) apart. */
function landmarkKernel(cross: Matrix64, landmarks: number[]): Matrix64 {
  const r = landmarks.length;
  const w = new Matrix64(r, r);
  landmarks.forEach((row, i) => w.data.set(cross.data.subarray(row * r, row * r + r), i * r));
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < i; j++) {
      const mean = (w.data[i * r + j]! + w.data[j * r + i]!) / 2;
      w.data[i * r + j] = mean;
      w.data[j * r + i] = mean;
    }
  }
  return w;
}

/** W^{+1/2} = U₊ Λ₊^{−1/2} (r × r′) from eigSym(W), dropping λ ≤ tolerance·λ_max: never an inverse of W itself. */
export function pseudoInverseRoot(w: Matrix64, tolerance: number): { root: Matrix64; dropped: number } {
  const { values, vectors } = eigSym(w);
  const r = w.rows;
  const cutoff = tolerance * Math.max(values[0]!, 0);
  const kept = values.findIndex((v) => !(v > cutoff));
  const rank = kept < 0 ? r : kept;
  const root = new Matrix64(r, rank);
  for (let i = 0; i < r; i++) {
    for (let k = 0; k < rank; k++) root.data[i * rank + k] = vectors!.data[i * r + k]! / Math.sqrt(values[k]!);
  }
  return { root, dropped: r - rank };
}

/**
 * C·P written over C's own buffer, a block of rows at a time (P has no more columns than C, so row i of the product
 * starts at or before row i of C, and each block is copied before it is overwritten): no second n × r matrix.
 */
function multiplyInPlace(c: Matrix64, p: Matrix64): Matrix64 {
  const width = p.cols;
  const step = Math.max(1, Math.floor(2 ** 18 / c.cols));
  for (let r0 = 0; r0 < c.rows; r0 += step) {
    const r1 = Math.min(c.rows, r0 + step);
    const block = new Matrix64(r1 - r0, c.cols, c.data.slice(r0 * c.cols, r1 * c.cols));
    c.data.set(gemm(block, p).data, r0 * width);
  }
  return new Matrix64(c.rows, width, c.data.subarray(0, c.rows * width));
}

function checkParts(parts: NystromParts, tolerance: number): void {
  const { cross, landmarks, diagonal, testCross } = parts;
  if (cross.cols !== landmarks.length) {
    throw new KernelInputError(`the cross kernel has ${cross.cols} columns for ${landmarks.length} landmarks; give Θ(X, X_r) with one column per landmark`);
  }
  if (diagonal.length !== cross.rows) {
    throw new KernelInputError(`the diagonal has ${diagonal.length} entries for ${cross.rows} rows; give Θ(x_i, x_i) for every training row`);
  }
  if (testCross && testCross.cols !== landmarks.length) {
    throw new KernelInputError(`the test cross kernel has ${testCross.cols} columns for ${landmarks.length} landmarks; give Θ(x*, X_r)`);
  }
  if (!(tolerance >= 0 && tolerance < 1)) {
    throw new KernelInputError(`tolerance must be in [0, 1) (a fraction of W's largest eigenvalue), got ${tolerance}`);
  }
  const bad = diagonal.findIndex((v) => !(Number.isFinite(v) && v >= 0));
  if (bad >= 0) {
    throw new KernelInputError(`diagonal[${bad}] is ${diagonal[bad]}; a kernel diagonal Θ(x_i, x_i) is finite and ≥ 0, so recompute it`);
  }
  for (const [m, what] of [[cross, 'cross kernel'], [testCross, 'test cross kernel']] as const) {
    const at = m ? m.data.findIndex((v) => !Number.isFinite(v)) : -1;
    if (at >= 0) throw new KernelInputError(`the ${what} has a non-finite entry ${m!.data[at]} at row ${Math.floor(at / m!.cols)}; recompute it from finite inputs`);
  }
}

/**
 * F Fᵀ = C W⁺ Cᵀ ≤ Θ (PSD order) for a PSD Θ, so ‖f_i‖² ≤ Θ(x_i, x_i); beyond a rounding slack of
 * 1e-6·max Θ(x_j, x_j) (float32 empirical kernels round at about 1e-7),
 * the diagonal and the cross kernel cannot come from the same kernel (a wrong scale, kind or row order).
 */
function checkDiagonalBound(factor: Matrix64, diagonal: Float64Array): void {
  const slack = 1e-6 * diagonal.reduce((m, v) => Math.max(m, v), 0);
  for (let i = 0; i < factor.rows; i++) {
    const norm2 = factor.row(i).reduce((s, v) => s + v * v, 0);
    if (norm2 > diagonal[i]! + slack) {
      throw new KernelInputError(
        `diagonal[${i}] = ${diagonal[i]!.toPrecision(4)} is below the factor's ‖f_${i}‖² = ${norm2.toPrecision(4)}; ` +
          `give the diagonal of the same raw kernel as the cross kernel (same kind, scale and row order)`,
      );
    }
  }
}

/**
 * The Nyström factor F = C W^{+1/2} of a raw kernel from its cross kernel against landmark rows (math.md §6):
 * F Fᵀ = C W⁺ Cᵀ, exact on the landmark rows and columns. O(n·r·r′) time; C's buffer is reused, so the peak is
 * one n × r matrix. Returns the raw scale; `nystromToTrainingScale` gives Θ = F Fᵀ/n.
 */
export function nystromFactor(parts: NystromParts, tolerance = DEFAULT_NYSTROM_TOLERANCE): NystromFactor {
  checkParts(parts, tolerance);
  const { root, dropped } = pseudoInverseRoot(landmarkKernel(parts.cross, parts.landmarks), tolerance);
  const result: NystromFactor = {
    kind: parts.kind,
    factor: multiplyInPlace(parts.cross, root),
    landmarks: parts.landmarks,
    diagonal: parts.diagonal,
    dropped,
    scale: 'raw',
    n: parts.cross.rows,
  };
  checkDiagonalBound(result.factor, parts.diagonal);
  if (parts.testCross) result.crossFactor = multiplyInPlace(parts.testCross, root);
  return result;
}

/**
 * The factor on the training scale: F/√n and F* / √n, so F Fᵀ = Θ_raw/n (math.md §0), and the diagonal /n, with n the
 * training size. Idempotent like `toTrainingScale`; `inPlace` divides the factor's own buffers.
 */
export function nystromToTrainingScale(f: NystromFactor, options: { inPlace?: boolean } = {}): NystromFactor {
  if (f.scale === 'per-sample-1/n') return f;
  const divide = (data: Float64Array, by: number) => {
    const out = options.inPlace ? data : data.slice();
    for (let i = 0; i < out.length; i++) out[i]! /= by;
    return out;
  };
  const scaledMatrix = (m: Matrix64) => new Matrix64(m.rows, m.cols, divide(m.data, Math.sqrt(f.n)));
  const scaled: NystromFactor = { ...f, factor: scaledMatrix(f.factor), diagonal: divide(f.diagonal, f.n), scale: 'per-sample-1/n' };
  if (f.crossFactor) scaled.crossFactor = scaledMatrix(f.crossFactor);
  return scaled;
}
