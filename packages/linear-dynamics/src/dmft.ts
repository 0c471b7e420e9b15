import { Matrix64 } from '@duality/linalg-core';
import { accumulateRows, addCorrelationRow, setSymmetricRow } from './causal.js';
import type { DataModel, Sampling } from './data.js';
import { samplesPerDim, validateDataModel } from './data.js';
import { cutAtDivergence, leadingBlock } from './divergence.js';
import { requirePositiveInteger } from './errors.js';
import { createModeBlock, createPopulationBlock, type InputBlock } from './input-block.js';
import { validateNetwork, type NetworkSpec } from './network.js';

export interface DmftOptions {
  data: DataModel;
  sampling: Sampling;
  network: NetworkSpec;
  /** Number of GD steps T: the curves cover t = 0..T−1. */
  steps: number;
}

export interface DmftResult {
  /** 𝓛(t) = E_x (y − f(x))², t = 0..T−1. */
  testLoss: Float64Array;
  /** 𝓛̂(t) = ‖v(t)‖²/P (equals the test loss for online batches and the population gradient). */
  trainLoss: Float64Array;
  /** The effective input-space memory kernel M (the network's NTK as seen by β), strictly lower T×T. */
  memoryKernel: Matrix64;
  /** C_Δ(t, s) = ⟨λ Δ(t) Δ(s)⟩. */
  errorCovariance: Matrix64;
  /**
   * Set when the run diverged (past the edge of stability): the first step whose loss was non-finite or above
   * 1e12·𝓛(0). The losses and both kernels then cover t = 0..diverged−1 only; a smaller learningRate stays stable.
   */
  diverged?: number;
}

/**
 * The D → ∞ DMFT of a deep linear network trained by discrete GD (spec §2), solved exactly and causally,
 * one time row at a time (§2.5). Non-residual networks cost O((L + K) T³); residual ones O(L² T³). With
 * infinite width and the population gradient only the per-mode transfer vectors are kept, O(K T² + L T³).
 */
export function solveDmft({ data, sampling, network, steps }: DmftOptions): DmftResult {
  requirePositiveInteger(steps, 'steps');
  validateDataModel(data);
  validateNetwork(network, true);
  samplesPerDim(sampling);
  const vectorBlock = sampling.kind === 'population' && !Number.isFinite(network.widthRatio);
  const block = vectorBlock
    ? createPopulationBlock(data, steps)
    : createModeBlock(data, sampling, { steps, richness: network.richness, widthRatio: network.widthRatio });
  const memory = network.residual === undefined ? runChain(block, network, steps) : runResidualStream(block, network, steps);
  const losses = cutAtDivergence({ testLoss: block.testLoss, trainLoss: block.trainLoss });
  const t = losses.testLoss.length;
  return {
    ...losses,
    memoryKernel: t === steps ? new Matrix64(steps, steps, memory) : leadingBlock(memory, steps, t),
    errorCovariance: t === steps ? new Matrix64(steps, steps, block.errorCovariance) : leadingBlock(block.errorCovariance, steps, t),
  };
}

/** Row t of M = R_g¹/γ₀ + η₀ Č_g¹. */
function setMemoryRow(
  memory: Float64Array,
  firstBackwardResponse: Float64Array,
  responseStride: number,
  responseAt: number,
  firstBackwardCov: Float64Array,
  net: NetworkSpec,
  T: number,
  t: number,
): void {
  for (let s = 0; s < t; s++) {
    memory[t * T + s] =
      firstBackwardResponse[t * responseStride + responseAt + s]! / net.richness +
      net.learningRate * firstBackwardCov[t * T + s]!;
  }
}

/**
 * Non-residual chain (§2.2 "hidden layer"): each layer ℓ has its own noises u^ℓ ~ C_h^{ℓ−1},
 * r^ℓ ~ C_g^{ℓ+1}, and h^ℓ = Hu u + Hr r, g^ℓ = Gu u + Gr r are kept as causal maps.
 * Returns the memory kernel M after driving `block` row by row.
 */
export function runChain(block: InputBlock, net: NetworkSpec, T: number): Float64Array {
  const L = net.depth;
  const TT = T * T;
  const c = net.learningRate * net.richness;
  const fwdU = Array.from({ length: L + 1 }, () => new Float64Array(TT)); // index 1..L
  const fwdR = Array.from({ length: L + 1 }, () => new Float64Array(TT));
  const bwdU = Array.from({ length: L + 2 }, () => new Float64Array(TT)); // index 1..L; L+1 is R_g^{L+1} = 0
  const bwdR = Array.from({ length: L + 1 }, () => new Float64Array(TT));
  // C_h^ℓ for ℓ = 0..L (C_h^0 = C_ζ), C_g^ℓ for ℓ = 1..L+1 (C_g^{L+1} = 1 1ᵀ from w(0))
  const fwdCov = [block.zetaCovariance, ...Array.from({ length: L }, () => new Float64Array(TT))];
  const bwdCov = [new Float64Array(0), ...Array.from({ length: L }, () => new Float64Array(TT)), new Float64Array(TT).fill(1)];
  const fwdResponse = [block.zetaResponse, ...fwdR.slice(1)];
  const memory = new Float64Array(TT);
  const coeff = new Float64Array(T);
  const row = new Float64Array(T);
  const scratch = new Float64Array(T);

  for (let t = 0; t < T; t++) {
    const tT = t * T;
    for (let l = L; l >= 1; l--) {
      const upperCov = bwdCov[l + 1]!;
      const upperResponse = bwdU[l + 1]!;
      for (let s = 0; s < t; s++) coeff[s] = upperResponse[tT + s]! + c * upperCov[tT + s]!;
      accumulateRows(bwdU[l]!, tT, coeff, 0, t, fwdU[l]!, T, t);
      accumulateRows(bwdR[l]!, tT, coeff, 0, t, fwdR[l]!, T, t);
      bwdR[l]![tT + t] = 1;
      row.fill(0);
      addCorrelationRow(row, bwdU[l]!, fwdCov[l - 1]!, T, t, 1, scratch);
      addCorrelationRow(row, bwdR[l]!, upperCov, T, t, 1, scratch);
      setSymmetricRow(bwdCov[l]!, T, t, row);
    }
    setMemoryRow(memory, bwdU[1]!, T, 0, bwdCov[1]!, net, T, t);
    block.advance(t, memory, bwdCov[1]!);
    for (let l = 1; l <= L; l++) {
      const lowerCov = fwdCov[l - 1]!;
      const lowerResponse = fwdResponse[l - 1]!;
      for (let s = 0; s <= t; s++) coeff[s] = lowerResponse[tT + s]! + (s < t ? c * lowerCov[tT + s]! : 0);
      accumulateRows(fwdU[l]!, tT, coeff, 0, t + 1, bwdU[l]!, T, t + 1);
      accumulateRows(fwdR[l]!, tT, coeff, 0, t + 1, bwdR[l]!, T, t + 1);
      fwdU[l]![tT + t]! += 1;
      row.fill(0);
      addCorrelationRow(row, fwdU[l]!, lowerCov, T, t, 1, scratch);
      addCorrelationRow(row, fwdR[l]!, bwdCov[l + 1]!, T, t, 1, scratch);
      setSymmetricRow(fwdCov[l]!, T, t, row);
    }
  }
  return memory;
}

/** The residual stream's fields as linear forms over the S noise coordinates, and their correlations (§2.3). */
interface Stream {
  block: InputBlock;
  L: number;
  T: number;
  S: number;
  branch: number;
  /** η₀γ₀. */
  c: number;
  wAt: number;
  fwd: Float64Array[];
  bwd: Float64Array[];
  fwdCov: Float64Array[];
  bwdCov: Float64Array[];
  sourceBlocks: { at: number; cov: Float64Array }[];
  coeff: Float64Array;
  row: Float64Array;
  projected: Float64Array;
}

const uAt = (stream: Stream, m: number): number => m * stream.T;
const rAt = (stream: Stream, m: number): number => (stream.L + m) * stream.T;

/**
 * Residual stream (§2.3): every layer shares the neuron index, so h^ℓ and g^ℓ are linear forms over all
 * (2L+1)T + 1 noise coordinates u⁰ ~ C_ζ | u^m ~ C_h^m (m = 1..L) | r^m ~ C_g^{m+1} | w(0).
 */
export function runResidualStream(block: InputBlock, net: NetworkSpec, T: number): Float64Array {
  const L = net.depth;
  const S = (2 * L + 1) * T + 1;
  const fields = () => Array.from({ length: L + 2 }, () => new Float64Array(T * S)); // ℓ = 1..L+1
  const covariances = () => Array.from({ length: L + 2 }, () => new Float64Array(T * T));
  const [fwdCov, bwdCov] = [covariances(), covariances()];
  const stream: Stream = {
    block, L, T, S, branch: net.residual?.branchScale ?? 0, c: net.learningRate * net.richness, wAt: S - 1,
    fwd: fields(), bwd: fields(), fwdCov, bwdCov, sourceBlocks: [],
    coeff: new Float64Array(T), row: new Float64Array(T), projected: new Float64Array(T),
  };
  stream.sourceBlocks = [
    { at: 0, cov: block.zetaCovariance },
    ...Array.from({ length: L }, (_, i) => ({ at: uAt(stream, i + 1), cov: fwdCov[i + 1]! })),
    ...Array.from({ length: L }, (_, i) => ({ at: rAt(stream, i + 1), cov: bwdCov[i + 2]! })),
  ];
  const memory = new Float64Array(T * T);
  for (let t = 0; t < T; t++) {
    backwardRow(stream, t);
    setMemoryRow(memory, stream.bwd[1]!, S, uAt(stream, 0), bwdCov[1]!, net, T, t);
    block.advance(t, memory, bwdCov[1]!);
    forwardRow(stream, t);
  }
  return memory;
}

/** Row t (entries u ≤ t) of the correlation of a linear-form field with itself. */
function setCorrelationRow(stream: Stream, field: Float64Array, cov: Float64Array, t: number): void {
  const { row, projected, S, T, wAt } = stream;
  row.fill(0);
  const ft = t * S;
  for (const { at, cov: sourceCov } of stream.sourceBlocks) {
    projected.fill(0, 0, t + 1);
    accumulateRows(projected, 0, field, ft + at, t + 1, sourceCov, T, t + 1);
    for (let u = 0; u <= t; u++) {
      const fu = u * S + at;
      let sum = 0;
      for (let j = 0; j <= u; j++) sum += field[fu + j]! * projected[j]!;
      row[u]! += sum;
    }
  }
  const w = field[ft + wAt]!;
  for (let u = 0; u <= t; u++) row[u]! += w * field[u * S + wAt]!;
  setSymmetricRow(cov, T, t, row);
}

function copyRow(stream: Stream, target: Float64Array, source: Float64Array, t: number): void {
  target.set(source.subarray(t * stream.S, (t + 1) * stream.S), t * stream.S);
}

/** g^{L+1}(t) = w(0) + η₀γ₀ Σ_{s<t} h^{L+1}(s), then down the stream to g¹(t). */
function backwardRow(stream: Stream, t: number): void {
  const { L, S, T, c, branch, coeff, fwd, bwd, bwdCov } = stream;
  const tS = t * S;
  const tT = t * T;
  const top = bwd[L + 1]!;
  coeff.fill(c, 0, t);
  accumulateRows(top, tS, coeff, 0, t, fwd[L + 1]!, S, S);
  top[tS + stream.wAt]! += 1;
  setCorrelationRow(stream, top, bwdCov[L + 1]!, t);
  for (let l = L; l >= 1; l--) {
    const upper = bwd[l + 1]!;
    for (let s = 0; s < t; s++) coeff[s] = branch * (upper[tS + uAt(stream, l) + s]! + c * branch * bwdCov[l + 1]![tT + s]!);
    copyRow(stream, bwd[l]!, upper, t);
    accumulateRows(bwd[l]!, tS, coeff, 0, t, fwd[l]!, S, S);
    bwd[l]![tS + rAt(stream, l) + t]! += branch;
    setCorrelationRow(stream, bwd[l]!, bwdCov[l]!, t);
  }
}

/** h¹(t) = u⁰(t) + Σ_{s≤t} (R_ζ + η₀γ₀ Č_ζ)(t, s) g¹(s), then up the stream to h^{L+1}(t). */
function forwardRow(stream: Stream, t: number): void {
  const { L, S, T, c, branch, coeff, fwd, bwd, fwdCov, block } = stream;
  const tS = t * S;
  const tT = t * T;
  for (let s = 0; s <= t; s++) coeff[s] = block.zetaResponse[tT + s]! + (s < t ? c * block.zetaCovariance[tT + s]! : 0);
  accumulateRows(fwd[1]!, tS, coeff, 0, t + 1, bwd[1]!, S, S);
  fwd[1]![tS + t]! += 1; // u⁰ sits at offset 0
  setCorrelationRow(stream, fwd[1]!, fwdCov[1]!, t);
  for (let l = 1; l <= L; l++) {
    const lower = fwd[l]!;
    for (let s = 0; s <= t; s++) coeff[s] = branch * (lower[tS + rAt(stream, l) + s]! + (s < t ? c * branch * fwdCov[l]![tT + s]! : 0));
    copyRow(stream, fwd[l + 1]!, lower, t);
    accumulateRows(fwd[l + 1]!, tS, coeff, 0, t + 1, bwd[l + 1]!, S, S);
    fwd[l + 1]![tS + uAt(stream, l) + t]! += branch;
    setCorrelationRow(stream, fwd[l + 1]!, fwdCov[l + 1]!, t);
  }
}
