import { accumulateRows, addCorrelationRow, setSymmetricRow } from './causal.js';
import type { DataModel, Sampling } from './data.js';
import { samplesPerDim } from './data.js';

/**
 * The input-space and sample-space part of the DMFT (spec §2.2): given the effective memory kernel M and the
 * first-layer backward correlation C_g¹, it produces the statistics of the input-space gradient ζ that
 * drives the hidden layers, and the losses. Filled causally, one time row per `advance`.
 */
export interface InputBlock {
  /** C_ζ (symmetric T×T). */
  readonly zetaCovariance: Float64Array;
  /** R_ζ (causal T×T, nonzero diagonal at finite width). */
  readonly zetaResponse: Float64Array;
  /** C_Δ = ⟨λ Δ Δᵀ⟩ (symmetric T×T); the test loss is its diagonal plus noise². */
  readonly errorCovariance: Float64Array;
  /** C_v, the training-residual correlation (symmetric T×T); train loss on its diagonal. */
  readonly residualCovariance: Float64Array;
  readonly testLoss: Float64Array;
  readonly trainLoss: Float64Array;
  /** Row t, given rows ≤ t of M (strictly lower) and of C_g¹. */
  advance(t: number, memory: Float64Array, firstBackwardCov: Float64Array): void;
}

interface BlockShape {
  steps: number;
  richness: number;
  widthRatio: number;
}

/**
 * The general block: K data modes, repeated data / online batches / population gradient, finite or infinite
 * width. Keeps per mode the causal maps Q_k = (I + λ_k R_v M)⁻¹, Q_k R_v, M Q_k and the initial-function
 * error map, so it costs O(K T³) in time and 4 K T² numbers in memory.
 */
export function createModeBlock(data: DataModel, sampling: Sampling, shape: BlockShape): InputBlock {
  const T = shape.steps;
  const TT = T * T;
  const K = data.modes.length;
  const alpha = samplesPerDim(sampling);
  const repeated = sampling.kind === 'repeated';
  const finiteSamples = Number.isFinite(alpha);
  const finiteWidth = Number.isFinite(shape.widthRatio);
  const invGammaNu = finiteWidth ? 1 / (shape.richness * shape.widthRatio) : 0;
  // weight of the initial-function noise r⁰ ~ ν C_g¹ after the 1/(γ₀ν) scaling: 1/(γ₀² ν)
  const initWeight = finiteWidth ? invGammaNu / shape.richness : 0;
  const noiseVar = data.noise * data.noise;

  const transfer = new Float64Array(K * TT); // Q_k
  const transferRv = repeated ? new Float64Array(K * TT) : transfer; // Q_k R_v (R_v = I unless repeated)
  const memoryTransfer = new Float64Array(K * TT); // M Q_k
  const initError = new Float64Array(K * TT); // (Δ_k from r⁰)·γ₀ν = −I + λ_k M Q_k R_v
  const targetZeta = new Float64Array(K * T); // ζ_k per unit β*_k: λ_k Q_k R_v 1
  const targetError = new Float64Array(K * T); // Δ_k per unit β*_k: 1 − M ζ_k

  const errorCovariance = new Float64Array(TT);
  const residualSourceCov = new Float64Array(TT); // C_Δ + σ² 1 1ᵀ
  const residualCovariance = new Float64Array(TT);
  const residualResponse = new Float64Array(TT); // R_v
  const zetaCovariance = new Float64Array(TT);
  const zetaResponse = new Float64Array(TT);
  const testLoss = new Float64Array(T);
  const trainLoss = new Float64Array(T);
  const row = new Float64Array(T);
  const work = new Float64Array(T);
  const scratch = new Float64Array(T);

  const advance = (t: number, memory: Float64Array, firstBackwardCov: Float64Array): void => {
    const tT = t * T;
    // Δ_k rows (use Q_k rows < t since M is strictly lower)
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const { weight: p, eigenvalue: lam, targetVariance: s } = data.modes[k]!;
      const at = k * TT;
      const mq = memoryTransfer.subarray(at, at + TT);
      accumulateRows(mq, tT, memory, tT, t, transfer.subarray(at), T, t);
      const ie = initError.subarray(at, at + TT);
      accumulateRows(ie, tT, memory, tT, t, transferRv.subarray(at), T, t);
      for (let j = 0; j < t; j++) ie[tT + j]! *= lam;
      ie[tT + t] = -1;
      let me = 0;
      for (let u = 0; u < t; u++) me += memory[tT + u]! * targetZeta[k * T + u]!;
      targetError[k * T + t] = 1 - me;
      const te = targetError[k * T + t]!;
      for (let u = 0; u <= t; u++) row[u]! += p * lam * s * te * targetError[k * T + u]!;
      if (finiteSamples) addCorrelationRow(row, mq, residualCovariance, T, t, (p * lam * lam) / alpha, scratch);
      if (finiteWidth) addCorrelationRow(row, ie, firstBackwardCov, T, t, p * lam * initWeight, scratch);
    }
    setSymmetricRow(errorCovariance, T, t, row);
    for (let u = 0; u <= t; u++) row[u]! += noiseVar;
    setSymmetricRow(residualSourceCov, T, t, row);
    testLoss[t] = errorCovariance[tT + t]! + noiseVar;

    // sample space: R_v = (I − R_Δ)⁻¹ row by forward substitution, then C_v
    if (repeated) {
      work.fill(0); // R_Δ row t
      for (let k = 0; k < K; k++) {
        const { weight: p, eigenvalue: lam } = data.modes[k]!;
        const c = (-p * lam) / alpha;
        const at = k * TT + tT;
        for (let j = 0; j < t; j++) work[j]! += c * memoryTransfer[at + j]!;
      }
      residualResponse[tT + t] = 1;
      accumulateRows(residualResponse, tT, work, 0, t, residualResponse, T, t);
      row.fill(0);
      addCorrelationRow(row, residualResponse, residualSourceCov, T, t, 1, scratch);
      setSymmetricRow(residualCovariance, T, t, row);
    } else {
      residualResponse[tT + t] = 1;
      residualCovariance[tT + t] = testLoss[t]!;
    }
    trainLoss[t] = residualCovariance[tT + t]!;

    // (R_v M) row t, then Q_k rows: Q_k = I − λ_k R_v M Q_k
    work.fill(0);
    accumulateRows(work, 0, residualResponse, tT, t + 1, memory, T, t);
    row.fill(0);
    zetaResponse.fill(0, tT, tT + t + 1);
    for (let k = 0; k < K; k++) {
      const { weight: p, eigenvalue: lam, targetVariance: s } = data.modes[k]!;
      const at = k * TT;
      const q = transfer.subarray(at, at + TT);
      for (let j = 0; j <= t; j++) q[tT + j] = 0;
      accumulateRows(q, tT, work, 0, t, q, T, t);
      for (let j = 0; j < t; j++) q[tT + j]! *= -lam;
      q[tT + t] = 1;
      const qr = transferRv.subarray(at, at + TT);
      if (repeated) {
        for (let j = 0; j <= t; j++) qr[tT + j] = 0;
        accumulateRows(qr, tT, q, tT, t + 1, residualResponse, T, t + 1);
      }
      let rowSum = 0;
      for (let j = 0; j <= t; j++) rowSum += qr[tT + j]!;
      targetZeta[k * T + t] = lam * rowSum;
      const tz = targetZeta[k * T + t]!;
      for (let u = 0; u <= t; u++) row[u]! += p * s * tz * targetZeta[k * T + u]!;
      if (finiteSamples) addCorrelationRow(row, q, residualCovariance, T, t, (p * lam) / alpha, scratch);
      if (finiteWidth) {
        addCorrelationRow(row, qr, firstBackwardCov, T, t, p * lam * lam * initWeight, scratch);
        const c = -invGammaNu * p * lam;
        for (let j = 0; j <= t; j++) zetaResponse[tT + j]! += c * qr[tT + j]!;
      }
    }
    setSymmetricRow(zetaCovariance, T, t, row);
  };

  return { zetaCovariance, zetaResponse, errorCovariance, residualCovariance, testLoss, trainLoss, advance };
}

/**
 * The block for infinite width and the population gradient (spec §2.4, "power law, ν, α → ∞"): only the
 * vectors H_k 1 with H_k = (I + λ_k M)⁻¹ are needed, so it costs O(K T²) and scales to thousands of modes.
 */
export function createPopulationBlock(data: DataModel, steps: number): InputBlock {
  const T = steps;
  const K = data.modes.length;
  const lam = Float64Array.from(data.modes, (m) => m.eigenvalue);
  const lossWeight = Float64Array.from(data.modes, (m) => m.weight * m.eigenvalue * m.targetVariance);
  const zetaWeight = Float64Array.from(data.modes, (m) => m.weight * m.targetVariance * m.eigenvalue ** 2);
  const noiseVar = data.noise * data.noise;
  const modeError = new Float64Array(T * K); // row t: [H_k 1](t) for every k
  const errorCovariance = new Float64Array(T * T);
  const zetaCovariance = new Float64Array(T * T);
  const zetaResponse = new Float64Array(T * T);
  const testLoss = new Float64Array(T);
  const row = new Float64Array(T);
  const weighted = new Float64Array(K);
  const weightedLoss = new Float64Array(K);

  const advance = (t: number, memory: Float64Array): void => {
    const at = t * K;
    const current = modeError.subarray(at, at + K);
    current.fill(0);
    accumulateRows(current, 0, memory, t * T, t, modeError, K, K);
    for (let k = 0; k < K; k++) current[k] = 1 - lam[k]! * current[k]!;
    for (let k = 0; k < K; k++) {
      weighted[k] = zetaWeight[k]! * current[k]!;
      weightedLoss[k] = lossWeight[k]! * current[k]!;
    }
    for (let u = 0; u <= t; u++) {
      const past = u * K;
      let z = 0;
      let e = 0;
      for (let k = 0; k < K; k++) {
        const d = modeError[past + k]!;
        z += weighted[k]! * d;
        e += weightedLoss[k]! * d;
      }
      row[u] = z;
      errorCovariance[t * T + u] = e;
      errorCovariance[u * T + t] = e;
    }
    setSymmetricRow(zetaCovariance, T, t, row);
    testLoss[t] = errorCovariance[t * T + t]! + noiseVar;
  };

  return {
    zetaCovariance,
    zetaResponse,
    errorCovariance,
    residualCovariance: errorCovariance,
    testLoss,
    trainLoss: testLoss,
    advance,
  };
}
