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
  return new ModeBlock(data, sampling, shape);
}

/** One `advance` is three causal sweeps over time row t: the errors Δ_k, the sample-space residual, then Q_k. */
class ModeBlock implements InputBlock {
  readonly zetaCovariance: Float64Array;
  readonly zetaResponse: Float64Array;
  readonly errorCovariance: Float64Array;
  readonly residualCovariance: Float64Array;
  readonly testLoss: Float64Array;
  readonly trainLoss: Float64Array;
  private readonly T: number;
  private readonly K: number;
  private readonly alpha: number;
  private readonly repeated: boolean;
  private readonly finiteSamples: boolean;
  private readonly finiteWidth: boolean;
  private readonly invGammaNu: number;
  /** Weight of the initial-function noise r⁰ ~ ν C_g¹ after the 1/(γ₀ν) scaling: 1/(γ₀² ν). */
  private readonly initWeight: number;
  private readonly noiseVar: number;
  private readonly transfer: Float64Array; // Q_k
  private readonly transferRv: Float64Array; // Q_k R_v (R_v = I unless repeated)
  private readonly memoryTransfer: Float64Array; // M Q_k
  private readonly initError: Float64Array; // (Δ_k from r⁰)·γ₀ν = −I + λ_k M Q_k R_v
  private readonly targetZeta: Float64Array; // ζ_k per unit β*_k: λ_k Q_k R_v 1
  private readonly targetError: Float64Array; // Δ_k per unit β*_k: 1 − M ζ_k
  private readonly residualSourceCov: Float64Array; // C_Δ + σ² 1 1ᵀ
  private readonly residualResponse: Float64Array; // R_v
  private readonly row: Float64Array;
  private readonly work: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    private readonly data: DataModel,
    sampling: Sampling,
    shape: BlockShape,
  ) {
    const T = (this.T = shape.steps);
    const TT = T * T;
    const K = (this.K = data.modes.length);
    this.alpha = samplesPerDim(sampling);
    this.repeated = sampling.kind === 'repeated';
    this.finiteSamples = Number.isFinite(this.alpha);
    this.finiteWidth = Number.isFinite(shape.widthRatio);
    this.invGammaNu = this.finiteWidth ? 1 / (shape.richness * shape.widthRatio) : 0;
    this.initWeight = this.finiteWidth ? this.invGammaNu / shape.richness : 0;
    this.noiseVar = data.noise * data.noise;
    this.transfer = new Float64Array(K * TT);
    this.transferRv = this.repeated ? new Float64Array(K * TT) : this.transfer;
    this.memoryTransfer = new Float64Array(K * TT);
    this.initError = new Float64Array(K * TT);
    this.targetZeta = new Float64Array(K * T);
    this.targetError = new Float64Array(K * T);
    this.errorCovariance = new Float64Array(TT);
    this.residualSourceCov = new Float64Array(TT);
    this.residualCovariance = new Float64Array(TT);
    this.residualResponse = new Float64Array(TT);
    this.zetaCovariance = new Float64Array(TT);
    this.zetaResponse = new Float64Array(TT);
    this.testLoss = new Float64Array(T);
    this.trainLoss = new Float64Array(T);
    this.row = new Float64Array(T);
    this.work = new Float64Array(T);
    this.scratch = new Float64Array(T);
  }

  advance(t: number, memory: Float64Array, firstBackwardCov: Float64Array): void {
    this.errorRow(t, memory, firstBackwardCov);
    this.residualRow(t);
    this.transferRow(t, memory, firstBackwardCov);
  }

  /** Δ_k rows (Q_k rows < t suffice, M being strictly lower), C_Δ, the residual source and the test loss. */
  private errorRow(t: number, memory: Float64Array, firstBackwardCov: Float64Array): void {
    const { T, row, targetZeta, targetError } = this;
    const TT = T * T;
    const tT = t * T;
    row.fill(0);
    for (let k = 0; k < this.K; k++) {
      const { weight: p, eigenvalue: lam, targetVariance: s } = this.data.modes[k]!;
      const at = k * TT;
      const mq = this.memoryTransfer.subarray(at, at + TT);
      accumulateRows(mq, tT, memory, tT, t, this.transfer.subarray(at), T, t);
      const ie = this.initError.subarray(at, at + TT);
      accumulateRows(ie, tT, memory, tT, t, this.transferRv.subarray(at), T, t);
      for (let j = 0; j < t; j++) ie[tT + j]! *= lam;
      ie[tT + t] = -1;
      let me = 0;
      for (let u = 0; u < t; u++) me += memory[tT + u]! * targetZeta[k * T + u]!;
      targetError[k * T + t] = 1 - me;
      const te = targetError[k * T + t]!;
      for (let u = 0; u <= t; u++) row[u]! += p * lam * s * te * targetError[k * T + u]!;
      if (this.finiteSamples) addCorrelationRow(row, mq, this.residualCovariance, T, t, (p * lam * lam) / this.alpha, this.scratch);
      if (this.finiteWidth) addCorrelationRow(row, ie, firstBackwardCov, T, t, p * lam * this.initWeight, this.scratch);
    }
    setSymmetricRow(this.errorCovariance, T, t, row);
    for (let u = 0; u <= t; u++) row[u]! += this.noiseVar;
    setSymmetricRow(this.residualSourceCov, T, t, row);
    this.testLoss[t] = this.errorCovariance[tT + t]! + this.noiseVar;
  }

  /** Sample space: R_v = (I − R_Δ)⁻¹ row t by forward substitution, then C_v and the train loss. */
  private residualRow(t: number): void {
    const { T, residualResponse, residualCovariance, work, row } = this;
    const tT = t * T;
    residualResponse[tT + t] = 1;
    if (this.repeated) {
      work.fill(0); // R_Δ row t
      for (let k = 0; k < this.K; k++) {
        const { weight: p, eigenvalue: lam } = this.data.modes[k]!;
        const c = (-p * lam) / this.alpha;
        const at = k * T * T + tT;
        for (let j = 0; j < t; j++) work[j]! += c * this.memoryTransfer[at + j]!;
      }
      accumulateRows(residualResponse, tT, work, 0, t, residualResponse, T, t);
      row.fill(0);
      addCorrelationRow(row, residualResponse, this.residualSourceCov, T, t, 1, this.scratch);
      setSymmetricRow(residualCovariance, T, t, row);
    } else {
      residualCovariance[tT + t] = this.testLoss[t]!;
    }
    this.trainLoss[t] = residualCovariance[tT + t]!;
  }

  /** (R_v M) row t, then Q_k rows (Q_k = I − λ_k R_v M Q_k), Q_k R_v, ζ_k and C_ζ, R_ζ. */
  private transferRow(t: number, memory: Float64Array, firstBackwardCov: Float64Array): void {
    const { T, row, work, targetZeta } = this;
    const TT = T * T;
    const tT = t * T;
    work.fill(0);
    accumulateRows(work, 0, this.residualResponse, tT, t + 1, memory, T, t);
    row.fill(0);
    this.zetaResponse.fill(0, tT, tT + t + 1);
    for (let k = 0; k < this.K; k++) {
      const { weight: p, eigenvalue: lam, targetVariance: s } = this.data.modes[k]!;
      const at = k * TT;
      const q = this.transfer.subarray(at, at + TT);
      for (let j = 0; j <= t; j++) q[tT + j] = 0;
      accumulateRows(q, tT, work, 0, t, q, T, t);
      for (let j = 0; j < t; j++) q[tT + j]! *= -lam;
      q[tT + t] = 1;
      const qr = this.transferRv.subarray(at, at + TT);
      if (this.repeated) {
        for (let j = 0; j <= t; j++) qr[tT + j] = 0;
        accumulateRows(qr, tT, q, tT, t + 1, this.residualResponse, T, t + 1);
      }
      let rowSum = 0;
      for (let j = 0; j <= t; j++) rowSum += qr[tT + j]!;
      targetZeta[k * T + t] = lam * rowSum;
      const tz = targetZeta[k * T + t]!;
      for (let u = 0; u <= t; u++) row[u]! += p * s * tz * targetZeta[k * T + u]!;
      if (this.finiteSamples) addCorrelationRow(row, q, this.residualCovariance, T, t, (p * lam) / this.alpha, this.scratch);
      if (this.finiteWidth) {
        addCorrelationRow(row, qr, firstBackwardCov, T, t, p * lam * lam * this.initWeight, this.scratch);
        const c = -this.invGammaNu * p * lam;
        for (let j = 0; j <= t; j++) this.zetaResponse[tT + j]! += c * qr[tT + j]!;
      }
    }
    setSymmetricRow(this.zetaCovariance, T, t, row);
  }
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
