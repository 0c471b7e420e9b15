import { gemm, lowerTriangularSolve, Matrix64 } from '@duality/linalg-core';
import { looBasis, type LooBasis } from './loo-basis.js';
import { lowRankDesign, lowRankGls, type LowRankDesign } from './low-rank-design.js';
import type { SpectralFit } from './spectral-fit.js';

/*
 * Exact leave-one-out with a wide design on a low-rank fit, in r dimensions (math.md §4, §7.3). With H the hat
 * matrix of X, Ũ = (I − H)U_r (n×r) and Ω = φ^{1/2}T⁻¹φ^{1/2} (low-rank-design.ts), the matrix of loo.ts is
 *
 *   P = V⁻¹ − V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹ ∝ (I − H) − Ũ Ω Ũᵀ,
 *
 * with the same factor e^{−tρ} as [e^{−tΘ}]_ii, so that [Pu]_i ∝ [(I − H)u]_i − ũ_iᵀ(Ωb) and
 * P_ii ∝ (1 − h_i) − ‖L⁻¹φ^{1/2}ũ_i‖² for T = L Lᵀ. Once per fit: Ũ, 1 − h_i and (I − H)u, O(n s (r + p)). Per
 * time O(r³ + n r²): one triangular solve with n right-hand sides, where the coordinate form costs O(n (r + p) p).
 */

/** What one time gives leave-one-out, before the ratios (all scaled by the same factor). */
export interface LooTerms {
  /** [Pu]_i (n×k). */
  numerators: Float64Array;
  /** [e^{−tΘ}]_ii, the reference a cancelled P_ii is measured against. */
  diagonals: Float64Array;
  /** P_ii. */
  denominators: Float64Array;
}

/** Points per triangular solve: bounds the transient memory at 8·r·POINT_BLOCK bytes. */
const POINT_BLOCK = 4096;

interface LowRankLooParts {
  design: LowRankDesign;
  basis: LooBasis;
  /** Ũᵀ in blocks of POINT_BLOCK points, each r × (points in the block). */
  projectedVectorBlocks: Matrix64[];
  /** 1 − h_i. */
  residualLeverages: Float64Array;
  /** (I − H)u (n×k). */
  projectedTargets: Matrix64;
}

const cache = new WeakMap<SpectralFit, LowRankLooParts>();

/** 1 − h_i with h_i = ‖row i of Q_X‖², Q_X = [U_r, Q]·Q_Z formed a block of columns at a time. */
function residualLeverages(basis: LooBasis, qz: Matrix64, n: number): Float64Array {
  const out = new Float64Array(n).fill(1);
  const width = 256;
  for (let from = 0; from < qz.cols; from += width) {
    const cols = Math.min(width, qz.cols - from);
    const block = new Matrix64(qz.rows, cols);
    for (let i = 0; i < qz.rows; i++) block.data.set(qz.data.subarray(i * qz.cols + from, i * qz.cols + from + cols), i * cols);
    const inPoints = basis.multiply(block).data;
    for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) out[i]! -= inPoints[i * cols + j]! ** 2;
  }
  return out;
}

/** Ũ = [U_r, Q](E_r − Q_Z Gᵀ), transposed into blocks of points. */
function projectedVectorBlocks(basis: LooBasis, design: LowRankDesign, n: number): Matrix64[] {
  const { r, qz, g } = design;
  const inCoordinates = gemm(qz, g, { transB: true });
  for (let x = 0; x < inCoordinates.data.length; x++) inCoordinates.data[x] = -inCoordinates.data[x]!;
  for (let j = 0; j < r; j++) inCoordinates.data[j * r + j]! += 1;
  const projected = basis.multiply(inCoordinates);
  const blocks: Matrix64[] = [];
  for (let from = 0; from < n; from += POINT_BLOCK) {
    const count = Math.min(POINT_BLOCK, n - from);
    const block = new Matrix64(r, count);
    for (let i = 0; i < count; i++) for (let j = 0; j < r; j++) block.data[j * count + i] = projected.data[(from + i) * r + j]!;
    blocks.push(block);
  }
  return blocks;
}

function looParts(fit: SpectralFit, z: Matrix64): LowRankLooParts {
  const cached = cache.get(fit);
  if (cached) return cached;
  const design = lowRankDesign(fit, z);
  const basis = looBasis(fit);
  const { s, k, qz, qzc } = design;
  const along = gemm(qz, qzc);
  const projectedCoordinates = new Matrix64(s, k);
  for (let x = 0; x < s * k; x++) projectedCoordinates.data[x] = fit.residualProjections.data[x]! - along.data[x]!;
  const parts = {
    design,
    basis,
    projectedVectorBlocks: projectedVectorBlocks(basis, design, fit.n),
    residualLeverages: residualLeverages(basis, qz, fit.n),
    projectedTargets: basis.multiply(projectedCoordinates),
  };
  cache.set(fit, parts);
  return parts;
}

/**
 * Leave-one-out's numerators, denominators and reference diagonals at one time, from the weights d̃ (the remainder's
 * equal to 1) and their logs; or why β is not identified there.
 */
export function lowRankLooTerms(fit: SpectralFit, z: Matrix64, weights: Float64Array, logWeights: Float64Array): LooTerms | { failure: string } {
  const parts = looParts(fit, z);
  const { design, basis, projectedVectorBlocks: blocks, residualLeverages: oneMinusH, projectedTargets } = parts;
  const gls = lowRankGls(design, fit.residualProjections, logWeights);
  if (!gls) return { failure: `β is not identified: e^{−tΘ} has decayed on all but fewer than p = ${design.p} directions of X` };
  const { factor, omegaB, rootPhi } = gls;
  const { r, k } = design;
  const n = fit.n;
  const numerators = projectedTargets.data.slice();
  const denominators = oneMinusH.slice();
  let from = 0;
  for (const block of blocks) {
    const count = block.cols;
    const scaled = block.clone();
    for (let j = 0; j < r; j++) for (let i = 0; i < count; i++) scaled.data[j * count + i]! *= rootPhi[j]!;
    const solved = lowerTriangularSolve(factor, scaled, { overwrite: true }).data;
    for (let j = 0; j < r; j++) for (let i = 0; i < count; i++) denominators[from + i]! -= solved[j * count + i]! ** 2;
    const shift = gemm(block, omegaB, { transA: true }).data;
    for (let x = 0; x < count * k; x++) numerators[from * k + x]! -= shift[x]!;
    from += count;
  }
  const diagonals = basis.diagonals([weights]).data;
  return { numerators, diagonals, denominators: denominators.subarray(0, n) };
}
