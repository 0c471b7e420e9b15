import { getBackend } from './backend.js';
import { LinalgInputError } from './errors.js';
import { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
import { assertFinite } from './validate.js';

export interface LowRankSpectrumOptions {
  /**
   * Directions with σ² ≤ relativeTolerance·σ1² are dropped (default max(n, r)·ε: below it σ² is rounding, since
   * σ² of R Rᵀ carries an absolute error of order r·ε·σ1²). Must lie in [0, 1).
   */
  relativeTolerance?: number;
}

/** The nonzero part of the spectrum of F Fᵀ for a thin factor F (n×r): F Fᵀ = U diag(values) Uᵀ. */
export interface LowRankSpectrum {
  /** n: rows of F. */
  readonly n: number;
  /** σ_j² = eigenvalues of F Fᵀ, descending, above the tolerance (rank of them). */
  readonly values: Float64Array;
  /** U_r (n×rank), orthonormal columns: column j for values[j]. */
  readonly vectors: Matrix64;
  /** How many directions were kept. */
  readonly rank: number;
  /** How many of F's r columns' directions were dropped as rounding-level (r − rank). */
  readonly dropped: number;
}

/**
 * The spectrum of F Fᵀ (n×n) from the thin factor F (n×r, r ≤ n) without forming F Fᵀ: O(n r²) time and O(n r)
 * memory. F = QR by Householder, R Rᵀ = V Σ² Vᵀ (an r×r eigendecomposition), U = Q V. Both Q and V are orthonormal
 * to rounding, so U is too, also for tiny σ (the Gram route FᵀF = W Σ² Wᵀ, U = F W Σ⁻¹ loses orthogonality like
 * ε·σ1²/σ_j²). Throws {@link LinalgInputError} for a wide, empty or non-finite F, or a bad tolerance.
 */
export function lowRankSpectrum(factor: MatrixLike, options: LowRankSpectrumOptions = {}): LowRankSpectrum {
  const F = toMatrix64(factor);
  const { rows: n, cols: r } = F;
  if (r === 0 || n === 0) throw new LinalgInputError(`lowRankSpectrum: F is ${n}×${r}; it needs at least one row and one column`);
  if (r > n) {
    throw new LinalgInputError(
      `lowRankSpectrum: F is ${n}×${r}, with more columns than rows; give F with r ≤ n columns ` +
        `(F Fᵀ is n×n of rank ≤ n; for r ≥ n decompose F Fᵀ with eigSym)`,
    );
  }
  assertFinite(F, 'lowRankSpectrum: F');
  const tolerance = options.relativeTolerance ?? Math.max(n, r) * Number.EPSILON;
  if (!(tolerance >= 0 && tolerance < 1)) {
    throw new LinalgInputError(`lowRankSpectrum: relativeTolerance must lie in [0, 1), got ${tolerance}`);
  }
  const backend = getBackend();
  // Work on F / 2^⌊log2 max|F_ij|⌋ (a power of two, so exact) so that squaring R never overflows or sinks into
  // subnormals; σ² is scaled back below.
  const largest = maxAbs(F.data);
  const scale = largest === 0 ? 0 : 2 ** Math.floor(Math.log2(largest));
  const unit = scale === 0 ? F.data : F.data.map((v) => v / scale);
  const { q, r: upper } = backend.thinQr(unit, n, r);
  const small = backend.eigSym(backend.syrk(upper, r, r), r, 'all');
  const threshold = tolerance * Math.max(0, small.values[0]!);
  let rank = 0;
  while (rank < r && small.values[rank]! > threshold) rank++;
  const kept = new Float64Array(r * rank);
  for (let i = 0; i < r; i++) kept.set(small.vectors!.subarray(i * r, i * r + rank), i * rank);
  const vectors = new Matrix64(n, rank, backend.gemm(q, n, r, false, kept, r, rank, false));
  return { n, values: rescaled(small.values.subarray(0, rank), scale), vectors, rank, dropped: r - rank };
}

function maxAbs(data: Float64Array): number {
  let m = 0;
  for (let k = 0; k < data.length; k++) m = Math.max(m, Math.abs(data[k]!));
  return m;
}

/**
 * σ² = scale² · (σ² of F/scale), multiplied in two steps so scale² itself cannot overflow. A σ1² beyond float64
 * (overflow), or a kept one below the normal range (where it keeps only a few digits), is refused rather than returned as
 * Infinity or a silently imprecise number.
 */
function rescaled(values: Float64Array, scale: number): Float64Array {
  if (scale === 0 || values.length === 0) return values.slice();
  const out = values.map((v) => v * scale * scale);
  if (!out.every((v) => Number.isFinite(v) && v >= 2 ** -1022)) {
    throw new LinalgInputError(
      `lowRankSpectrum: F Fᵀ has eigenvalues σ² = (${values[0]!.toPrecision(3)} … ${values.at(-1)!.toPrecision(3)}) × ` +
        `${scale.toPrecision(3)}², outside the float64 range; rescale F (F / c has eigenvalues σ²/c² and the same vectors) so max|F_ij| is near 1`,
    );
  }
  return out;
}
