import { gemm, householderQr, Matrix64, toMatrix64, type HouseholderQr, type MatrixLike } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';

/*
 * A fit from a low-rank spectrum (math.md §6): Θ = U_r Λ_r U_rᵀ + ρ(I − U_rU_rᵀ), U_r n×r orthonormal, ρ ≥ 0 the
 * isotropic remainder (0 for a plain factor F Fᵀ).
 *
 * Every statistic of the model is a function of the eigenvalues and of Bᵀ g(Θ) B for the columns B = [u | f0 | X]
 * and spectral functions g (e^{−tΘ}, (1 − ηΘ)^k, Θ itself, …). With W = (I − U_rU_rᵀ)B the part of B outside U_r,
 *
 *   Bᵀ g(Θ) B = (U_rᵀB)ᵀ g(Λ_r) (U_rᵀB) + g(ρ)·WᵀW,
 *
 * because all n − r other directions share the one eigenvalue ρ. So any orthonormal basis N of the complement gives
 * the same statistics, and only NᵀB matters, through (NᵀB)ᵀ(NᵀB) = WᵀW. A thin QR W = QR (b = columns of B) gives
 * RᵀR = WᵀW: take N = [Q, any completion]. Then NᵀB = [R; 0] and the fit keeps its n-length form: eigenvalues
 * (Λ_r, then n − r copies of ρ) and n-row projections whose rows past r + b are exactly zero. Everything that reads
 * a SpectralFit (test, REML, GCV, edf, path, LOO) is then exact without an n×n matrix: O(n(r + b)) memory.
 * U·V for V with rows past r + b zero is U_r V_r + Q V_b (W = QR also when W is rank-deficient). Q is kept as its
 * Householder reflectors, never formed: the statistics need only R, and Q V_b costs O(n b k) either way, where forming
 * Q would cost O(n b²) (a third of the fit at n = 40,000 with a 2,934-column design).
 */

/** A low-rank eigendecomposition of Θ: r eigenpairs, and one shared eigenvalue for the other n − r directions. */
export interface LowRankKernelSpectrum {
  /** λ_1..λ_r (e.g. `lowRankSpectrum(F).values`). */
  values: ArrayLike<number>;
  /** U_r (n×r), orthonormal columns (e.g. `lowRankSpectrum(F).vectors`). */
  vectors: MatrixLike;
  /**
   * ρ ≥ 0, the eigenvalue of each of the other n − r directions (default 0: Θ = F Fᵀ). An isotropic remainder
   * spreads tr Θ − tr F Fᵀ evenly over them: ρ = (tr Θ − Σλ)/(n − r).
   */
  remainder?: number;
  /**
   * U_rᵀΘ(X, x*)ᵀ (r×n*) for predictions at new points. With a Nyström kernel Θ(x*, X) = F* Fᵀ lies in the span
   * of U_r, so its projections on the other directions are zero and these r rows are exact for the approximation
   * (the remainder ρ acts on the training points only). Or give `crossKernel` to fitSpectral: it is projected here.
   */
  crossProjections?: MatrixLike;
}

/** The basis the low-rank fit's coordinates refer to: U_r, then Q (n×b) spanning the part of [u | f0 | X] outside U_r. */
export interface LowRankBasis {
  /** U_r (n×r). */
  readonly vectors: Matrix64;
  /** QR = (I − U_rU_rᵀ)[u | f0 | X] (n×b) with Q as reflectors (`multiplyQ`); no columns when r = n. */
  readonly complement: HouseholderQr;
  /** ρ, the eigenvalue of every direction past U_r. */
  readonly remainder: number;
}

/** What the spectrum gives, in the same shape as the dense paths: full-length values, n-row coordinates of B. */
export interface LowRankProjected {
  values: Float64Array;
  /** [U_rᵀB; R; 0] (n×b). */
  coordinates: Matrix64;
  cross?: Matrix64;
  basis: LowRankBasis;
  expand: (v: Matrix64) => Matrix64;
}

/** Largest |U_rᵀU_r − I| accepted: well above rounding (lowRankSpectrum gives ~1e-14), far below a real defect. */
const ORTHONORMALITY_TOLERANCE = 1e-8;

/** U_r and ρ validated: r eigenvalues for r orthonormal columns, 1 ≤ r ≤ n, ρ finite and ≥ 0. */
function checkedLowRank(spectrum: LowRankKernelSpectrum): { u: Matrix64; values: Float64Array; remainder: number } {
  const u = toMatrix64(spectrum.vectors);
  const values = Float64Array.from(spectrum.values);
  const remainder = spectrum.remainder ?? 0;
  if (u.cols === 0 || u.cols > u.rows) {
    throw new MixedModelInputError(`lowRank.vectors is ${u.rows}×${u.cols}; it must be n×r with 1 ≤ r ≤ n`);
  }
  if (values.length !== u.cols) {
    throw new MixedModelInputError(`lowRank has ${values.length} values but ${u.cols} vectors; give one eigenvalue per column of U_r`);
  }
  if (!(remainder >= 0 && Number.isFinite(remainder))) {
    throw new MixedModelInputError(`lowRank.remainder ρ = ${remainder}; it must be finite and ≥ 0 (0 for Θ = F Fᵀ)`);
  }
  if (!u.data.every(Number.isFinite)) throw new MixedModelInputError('lowRank.vectors has a non-finite entry; remove NaN/Infinity');
  const gram = gemm(u, u, { transA: true });
  const defect = gram.data.reduce((worst, v, q) => Math.max(worst, Math.abs(v - (q % (u.cols + 1) === 0 ? 1 : 0))), 0);
  if (!(defect <= ORTHONORMALITY_TOLERANCE)) {
    throw new MixedModelInputError(
      `lowRank.vectors are not orthonormal (max |U_rᵀU_r − I| = ${defect.toPrecision(3)}); ` +
        'pass the eigenvectors of lowRankSpectrum(F), not F itself',
    );
  }
  return { u, values, remainder };
}

/** Squared column norms of a matrix. */
function squaredColumnNorms(m: Matrix64): Float64Array {
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j]! += m.data[i * m.cols + j]! ** 2;
  return out;
}

/**
 * One pass leaves a column w of W orthogonal to U_r to about ε‖b‖/‖w‖ relative to its own size. Below this
 * ‖w‖²/‖b‖² (the column kept under 1% of its norm outside U_r) that exceeds 100ε and the column is orthogonalised a
 * second time, which leaves it orthogonal to rounding however nearly it lies in span U_r (Daniel–Gragg–Kaufman–
 * Stewart). The classical 1/2 would take a second pass for 2,283 of a 2,933-column biobank design on a rank-1,000 NTK
 * (the kernel's leading directions carry most of each feature), 8 s at n = 40,000, for digits no statistic keeps.
 */
const SECOND_PASS = 1e-4;

/** U_rᵀB and W = B − U_r(U_rᵀB), W written over B: 4·n·r·b flops, more only for columns below SECOND_PASS. */
function splitAlongBasis(u: Matrix64, b: Matrix64): { inside: Matrix64; outside: Matrix64 } {
  const inside = gemm(u, b, { transA: true });
  const before = squaredColumnNorms(b);
  const outside = gemm(u, inside, { into: b, alpha: -1, beta: 1 });
  const after = squaredColumnNorms(outside);
  const again = Array.from({ length: b.cols }, (_, j) => j).filter((j) => after[j]! < SECOND_PASS * before[j]!);
  if (again.length === 0) return { inside, outside };
  const w = b.cols;
  const picked = new Matrix64(b.rows, again.length);
  for (let i = 0; i < b.rows; i++) again.forEach((j, a) => (picked.data[i * again.length + a] = outside.data[i * w + j]!));
  const coefficients = gemm(u, picked, { transA: true });
  const correction = gemm(u, coefficients);
  for (let i = 0; i < b.rows; i++) again.forEach((j, a) => (outside.data[i * w + j]! -= correction.data[i * again.length + a]!));
  for (let i = 0; i < u.cols; i++) again.forEach((j, a) => (inside.data[i * w + j]! += coefficients.data[i * again.length + a]!));
  return { inside, outside };
}

/**
 * The low-rank fit's spectrum and the coordinates of B = [u | f0 | X] (n×b) in the basis [U_r, Q, …]. B is
 * overwritten by its part outside U_r, which the QR then copies into its reflectors.
 */
export function projectedFromLowRank(spectrum: LowRankKernelSpectrum, b: Matrix64, crossT: Matrix64 | undefined): LowRankProjected {
  const { u, values: top, remainder } = checkedLowRank(spectrum);
  const { rows: n, cols: r } = u;
  const width = b.cols;
  if (r < n && r + width > n) {
    throw new MixedModelInputError(
      `the low-rank spectrum has r = ${r} of n = ${n} directions, too many to leave room for the ${width} columns of ` +
        '[u | f0 | X] outside it; use fewer landmarks or fit from the dense kernel',
    );
  }
  const { inside, outside } = splitAlongBasis(u, b);
  const complement = householderQr(r < n ? outside : new Matrix64(n, 0));
  const coordinates = new Matrix64(n, width);
  coordinates.data.set(inside.data);
  coordinates.data.set(complement.r.data, r * width);
  const values = new Float64Array(n).fill(remainder);
  values.set(top);
  const basis = { vectors: u, complement, remainder };
  return { values, coordinates, cross: lowRankCross(spectrum, u, crossT), basis, expand: (v) => expandLowRank(basis, v) };
}

function lowRankCross(spectrum: LowRankKernelSpectrum, u: Matrix64, crossT: Matrix64 | undefined): Matrix64 | undefined {
  if (crossT && spectrum.crossProjections) {
    throw new MixedModelInputError('give either crossKernel or lowRank.crossProjections, not both');
  }
  if (crossT) return gemm(u, crossT, { transA: true });
  if (!spectrum.crossProjections) return undefined;
  const cross = toMatrix64(spectrum.crossProjections);
  if (cross.rows !== u.cols || !cross.data.every(Number.isFinite)) {
    throw new MixedModelInputError(
      `lowRank.crossProjections must be U_rᵀΘ(X, x*)ᵀ, r×n* = ${u.cols}×n* and finite; got ${cross.rows}×${cross.cols}`,
    );
  }
  return cross;
}

/** U·V = U_r V_r + Q V_b for V (n×k) whose rows past r + b are zero (the only vectors this basis can express). */
function expandLowRank(basis: LowRankBasis, v: Matrix64): Matrix64 {
  const { vectors: u, complement: q } = basis;
  const r = u.cols;
  const span = r + q.cols;
  if (v.rows !== u.rows) throw new MixedModelInputError(`expand: V has ${v.rows} rows but n = ${u.rows}`);
  if (v.data.subarray(span * v.cols).some((x) => x !== 0)) {
    throw new MixedModelInputError(
      `expand on a low-rank fit needs V zero past row ${span} (U_r and the span of u, f0 and X); ` +
        'other directions of the complement are not formed',
    );
  }
  const rows = (from: number, count: number) => new Matrix64(count, v.cols, v.data.slice(from * v.cols, (from + count) * v.cols));
  const out = gemm(u, rows(0, r));
  if (q.cols > 0) {
    const rest = q.multiplyQ(rows(r, q.cols));
    for (let x = 0; x < out.data.length; x++) out.data[x]! += rest.data[x]!;
  }
  return out;
}
