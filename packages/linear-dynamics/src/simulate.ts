import { normalGenerator } from '@duality/linalg-core';
import { directionSpectrum, samplesPerDim, validateDataModel, type DataModel, type Sampling } from './data.js';
import { cutAtDivergence } from './divergence.js';
import { LinearDynamicsInputError, requirePositiveInteger } from './errors.js';
import { validateNetwork, type NetworkSpec } from './network.js';
import { TrackedMatrix } from './tracked-matrix.js';

export interface SimulationOptions {
  data: DataModel;
  sampling: Sampling;
  network: NetworkSpec;
  /** D, the input dimension (N = round(νD), P or B = round(αD)). */
  inputDim: number;
  steps: number;
  seed: number;
}

export interface SimulationResult {
  testLoss: Float64Array;
  trainLoss: Float64Array;
  /** As DmftResult.diverged: the first step past 1e12·𝓛(0) or non-finite; the losses stop before it. */
  diverged?: number;
}

/** The options object itself, before any field is read (a missing `data` or a bad sampling would be a TypeError). */
export function checkSimulationOptions(options: SimulationOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new LinearDynamicsInputError('give options { data, sampling, network, inputDim, steps, seed }');
  }
  for (const key of ['data', 'sampling', 'network'] as const) {
    if (options[key] === undefined) {
      throw new LinearDynamicsInputError(`options.${key} is missing; give { data, sampling, network, inputDim, steps, seed }`);
    }
  }
  validateDataModel(options.data);
  samplesPerDim(options.sampling);
}

/**
 * Trains one finite deep linear network by exact GD (spec §1.3) in float64. Because the network is linear,
 * a step needs only the backward pass of w and the forward pass of the single vector ζ = Xᵀv/(α√D):
 * O(PD + ND + LN²) per step. Weights, target and data are drawn from `seed`.
 */
export function simulateNetwork(options: SimulationOptions): SimulationResult {
  const problem = drawProblem(options);
  return trainProblem(problem, options);
}

/** Everything a run draws from its seed: initial weights, target, and the fixed data set if any. */
export interface DrawnProblem {
  /** The seed's normal stream (linalg-core's generator), left where the draws stopped: one-pass SGD continues it. */
  normal: () => number;
  /** W⁰, N×D row-major. */
  inputWeights: Float64Array;
  /** W^ℓ, N×N row-major: L − 1 of them, or L residual blocks. */
  hiddenWeights: Float64Array[];
  readout: Float64Array;
  target: Float64Array;
  eigenvalues: Float64Array;
  /** The fixed data set for repeated sampling. */
  batch: Batch | undefined;
  width: number;
  samples: number;
}

export function drawProblem(options: SimulationOptions): DrawnProblem {
  checkSimulationOptions(options);
  const { data, sampling, network: net, inputDim: D, steps, seed } = options;
  requirePositiveInteger(D, 'inputDim');
  requirePositiveInteger(steps, 'steps');
  validateNetwork(net, false);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new LinearDynamicsInputError(`seed must be an integer in [0, 2³²) (the generator keeps 32 bits), got ${seed}`);
  }
  const ratio = samplesPerDim(sampling);
  const N = Math.round(net.widthRatio * D);
  const P = Number.isFinite(ratio) ? Math.round(ratio * D) : 0;
  if (N < 1 || (Number.isFinite(ratio) && P < 1)) {
    throw new LinearDynamicsInputError(
      `inputDim ${D} is too small: width N = ${N} and samples ${P} must be ≥ 1; raise inputDim`,
    );
  }
  const normal = normalGenerator(seed);
  const { eigenvalues, targetVariances } = directionSpectrum(data, D);
  const hiddenCount = net.residual !== undefined ? net.depth : net.depth - 1;
  const inputWeights = normals(normal, N * D);
  const hiddenWeights = Array.from({ length: hiddenCount }, () => normals(normal, N * N));
  const readout = normals(normal, N);
  const target = normals(normal, D).map((z, k) => z * Math.sqrt(targetVariances[k]!));
  const batch = sampling.kind === 'repeated' ? sampleBatch(normal, P, eigenvalues, target, data.noise) : undefined;
  return { normal, inputWeights, hiddenWeights, readout, target, eigenvalues, batch, width: N, samples: P };
}

/** Runs GD from a drawn problem. It consumes the problem: its weight arrays are reused and may change. */
export function trainProblem(problem: DrawnProblem, options: SimulationOptions): SimulationResult {
  checkSimulationOptions(options);
  const { data, sampling, network: net, inputDim: D, steps } = options;
  const { normal, inputWeights, hiddenWeights, readout, target, eigenvalues, batch, width: N, samples: P } = problem;
  const residual = net.residual !== undefined;
  const branch = net.residual?.branchScale ?? 1;
  const hiddenCount = hiddenWeights.length;

  const inputMatrix = new TrackedMatrix(inputWeights, N, D);
  const hiddenMatrices = hiddenWeights.map((W) => new TrackedMatrix(W, N, N));
  // fields: index 0 is the first hidden layer; `hiddenCount + 1` layers in all
  const backward = Array.from({ length: hiddenCount + 1 }, () => new Float64Array(N));
  const forward = Array.from({ length: hiddenCount + 1 }, () => new Float64Array(N));
  const beta = new Float64Array(D);
  const zeta = new Float64Array(D);
  const testLoss = new Float64Array(steps);
  const trainLoss = new Float64Array(steps);
  const sqrtD = Math.sqrt(D);
  const hiddenScale = (residual ? branch : 1) / Math.sqrt(N);
  const stepScale = net.learningRate * net.richness;
  const noiseVar = data.noise * data.noise;

  for (let t = 0; t < steps; t++) {
    // backward pass of w: g^top = w, g^ℓ = W^ℓᵀ g^{ℓ+1}/√N (residual: g^{ℓ+1} + β_r W^ℓᵀ g^{ℓ+1}/√N)
    backward[hiddenCount]!.set(readout);
    for (let l = hiddenCount - 1; l >= 0; l--) {
      hiddenMatrices[l]!.transposeTimes(backward[l + 1]!, backward[l]!, hiddenScale);
      if (residual) addInto(backward[l]!, backward[l + 1]!);
    }
    // β = W⁰ᵀg¹/(γ₀ν√D) with ν = N/D exactly
    inputMatrix.transposeTimes(backward[0]!, beta, 1 / (net.richness * (N / D) * sqrtD));

    let test = 0;
    for (let k = 0; k < D; k++) {
      const d = target[k]! - beta[k]!;
      test += eigenvalues[k]! * d * d;
    }
    testLoss[t] = test / D + noiseVar;

    if (sampling.kind === 'population') {
      for (let k = 0; k < D; k++) zeta[k] = eigenvalues[k]! * (target[k]! - beta[k]!);
      trainLoss[t] = testLoss[t]!;
    } else {
      const current = sampling.kind === 'online' ? sampleBatch(normal, P, eigenvalues, target, data.noise) : batch!;
      trainLoss[t] = residualGradient(current, P, D, beta, zeta);
    }

    // forward pass of ζ with the current weights, then the simultaneous updates (spec §1.3)
    inputMatrix.times(zeta, forward[0]!, 1 / sqrtD);
    for (let l = 0; l < hiddenCount; l++) {
      hiddenMatrices[l]!.times(forward[l]!, forward[l + 1]!, hiddenScale);
      if (residual) addInto(forward[l + 1]!, forward[l]!);
    }
    inputMatrix.addOuter(stepScale / sqrtD, backward[0]!, zeta);
    for (let l = 0; l < hiddenCount; l++) hiddenMatrices[l]!.addOuter(stepScale * hiddenScale, backward[l + 1]!, forward[l]!);
    const top = forward[hiddenCount]!;
    for (let i = 0; i < N; i++) readout[i]! += stepScale * top[i]!;
  }
  return cutAtDivergence({ testLoss, trainLoss });
}

export interface Batch {
  /** Rows x_μ ~ N(0, Λ), P×D row-major. */
  inputs: Float64Array;
  targets: Float64Array;
}

export function sampleBatch(normal: () => number, P: number, eigenvalues: Float64Array, target: Float64Array, noise: number): Batch {
  const D = eigenvalues.length;
  const scaleX = eigenvalues.map(Math.sqrt);
  const inputs = normals(normal, P * D);
  const targets = new Float64Array(P);
  const sqrtD = Math.sqrt(D);
  for (let mu = 0; mu < P; mu++) {
    let y = 0;
    for (let k = 0; k < D; k++) {
      const x = inputs[mu * D + k]! * scaleX[k]!;
      inputs[mu * D + k] = x;
      y += x * target[k]!;
    }
    targets[mu] = y / sqrtD + noise * normal();
  }
  return { inputs, targets };
}

/** ζ = Xᵀv/(α√D) with v = y − Xβ/√D and α = P/D, in one pass over X; returns ‖v‖²/P. */
function residualGradient(batch: Batch, P: number, D: number, beta: Float64Array, zeta: Float64Array): number {
  const sqrtD = Math.sqrt(D);
  zeta.fill(0);
  let squared = 0;
  const scale = sqrtD / P; // 1/(α√D)
  for (let mu = 0; mu < P; mu++) {
    const at = mu * D;
    let f = 0;
    for (let k = 0; k < D; k++) f += batch.inputs[at + k]! * beta[k]!;
    const v = batch.targets[mu]! - f / sqrtD;
    squared += v * v;
    const c = v * scale;
    for (let k = 0; k < D; k++) zeta[k]! += c * batch.inputs[at + k]!;
  }
  return squared / P;
}

/** `length` independent draws of `normal`. */
function normals(normal: () => number, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = normal();
  return out;
}

function addInto(out: Float64Array, x: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i]! += x[i]!;
}
