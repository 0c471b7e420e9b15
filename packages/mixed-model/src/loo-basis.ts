import { gemm, Matrix64 } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import type { LowRankBasis } from './low-rank-fit.js';
import type { SpectralFit } from './spectral-fit.js';

/**
 * What exact leave-one-out needs beyond the fit's coordinates: products with U, and the diagonal of U D̃ Uᵀ for
 * weights d̃ (one per eigenvalue). A dense fit does both with U and U∘U (n×n); a low-rank fit with U_r and Q only.
 */
export interface LooBasis {
  /** Leading coordinate rows `multiply` reads: the coordinates of u, f0 and X are zero past it. */
  readonly span: number;
  /** U·W for W (span×w), as n×w. */
  multiply(w: Matrix64): Matrix64;
  /** diag(U diag(d̃) Uᵀ) for each of the weight vectors (each of length n): n×count, one column per vector. */
  diagonals(weights: readonly Float64Array[]): Matrix64;
}

/** Formed on the first LOO call for a fit and kept while the fit lives (dense: 8n² bytes each, 0.8 GB at n = 10⁴). */
const basisCache = new WeakMap<SpectralFit, LooBasis>();

/** Columns of U formed per call of `expand` when the fit came from a kernel: bounds the transient memory. */
const EXPAND_BLOCK = 1024;

/** The LOO basis of a fit, cached: low-rank when the fit came from a low-rank spectrum, dense otherwise. */
export function looBasis(fit: SpectralFit): LooBasis {
  const cached = basisCache.get(fit);
  if (cached) return cached;
  const basis = fit.lowRankBasis ? lowRankLooBasis(fit.lowRankBasis) : denseLooBasis(fit.eigenvectors ?? formEigenvectors(fit));
  basisCache.set(fit, basis);
  return basis;
}

/** (U∘U)_ij = U_ij²: diag e^{−tΘ} = (U∘U) e^{−tλ}. */
function squared(m: Matrix64): Matrix64 {
  return new Matrix64(m.rows, m.cols, m.data.map((v) => v * v));
}

/** Weight vectors as the columns of a rows×count matrix (the first `rows` entries of each). */
function asColumnsMatrix(weights: readonly Float64Array[], rows: number, shift: (tau: number) => number): Matrix64 {
  const count = weights.length;
  const out = new Matrix64(rows, count);
  weights.forEach((d, tau) => {
    const s = shift(tau);
    for (let j = 0; j < rows; j++) out.data[j * count + tau] = d[j]! - s;
  });
  return out;
}

function denseLooBasis(vectors: Matrix64): LooBasis {
  const squares = squared(vectors);
  return {
    span: vectors.cols,
    multiply: (w) => gemm(vectors, w),
    diagonals: (weights) => gemm(squares, asColumnsMatrix(weights, vectors.rows, () => 0)),
  };
}

/**
 * With U = [U_r, N] orthonormal and d̃_j = d̃_ρ on every column of N, Σ_j U_ij² = 1 over all n columns gives
 *
 *   [U D̃ Uᵀ]_ii = d̃_ρ + Σ_{j≤r} U_ij² (d̃_j − d̃_ρ),
 *
 * O(n r) per time. Products need only [U_r, Q]: the coordinates past r + b are zero. The diagonal loses absolute
 * accuracy ε (not relative) where a point lies almost wholly in span U_r and d̃_ρ dominates: 1 − Σ_{j≤r} U_ij² cancels.
 * Q multiplies from its reflectors (low-rank-fit.ts).
 */
function lowRankLooBasis(basis: LowRankBasis): LooBasis {
  const { vectors: u, complement: q } = basis;
  const { rows: n, cols: r } = u;
  const squares = squared(u);
  // d̃ of the remainder directions (all equal): entry r of each weight vector, none when U_r spans everything.
  const remainderWeight = (d: Float64Array): number => (r < n ? d[r]! : 0);
  return {
    span: r + q.cols,
    // [U_r, Q]·W as U_r W_top + Q W_bottom: no n×(r + b) copy of the basis (0.8 GB at n = 10⁵, r = 10³).
    multiply: (w) => {
      const out = gemm(u, rowBlock(w, 0, r));
      if (q.cols > 0) {
        const tail = q.multiplyQ(rowBlock(w, r, r + q.cols));
        for (let k = 0; k < out.data.length; k++) out.data[k]! += tail.data[k]!;
      }
      return out;
    },
    diagonals: (weights) => {
      const out = gemm(squares, asColumnsMatrix(weights, r, (tau) => remainderWeight(weights[tau]!)));
      const count = weights.length;
      for (let i = 0; i < n; i++) {
        for (let tau = 0; tau < count; tau++) out.data[i * count + tau]! += remainderWeight(weights[tau]!);
      }
      return out;
    },
  };
}

/** Rows [from, to) of m (contiguous in row-major storage: a view, no copy). */
function rowBlock(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix64(to - from, m.cols, m.data.subarray(from * m.cols, to * m.cols));
}

/** U = U·I, expanded a block of columns at a time (O(n³) once: what dsyevd's back-transformation would cost). */
function formEigenvectors(fit: SpectralFit): Matrix64 {
  if (!fit.expand) {
    throw new MixedModelInputError(
      'leave-one-out needs the eigenvectors (the diagonal of e^{−tΘ}): fit from the kernel or give spectrum.vectors, ' +
        'not a projections-only spectrum',
    );
  }
  const n = fit.n;
  const u = new Matrix64(n, n);
  for (let from = 0; from < n; from += EXPAND_BLOCK) {
    const width = Math.min(EXPAND_BLOCK, n - from);
    const unit = new Matrix64(n, width);
    for (let j = 0; j < width; j++) unit.data[(from + j) * width + j] = 1;
    const block = fit.expand(unit);
    for (let i = 0; i < n; i++) u.data.set(block.data.subarray(i * width, (i + 1) * width), i * n + from);
  }
  return u;
}
