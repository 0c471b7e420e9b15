import { Matrix64, type MatrixLike } from '@duality/linalg-core';
import { scalarActivation, type Activation } from './activations.js';
import { gaussHermiteRule, gaussianPairExpectations, type HermiteRule, type PairExpectations } from './gauss-hermite.js';
import { inputMatrix } from './inputs.js';
import type { Kernel } from './kernel.js';
import { effectiveBiasVariance, effectiveWeightVariance, layerPlans, type LayerPlan, type MlpSpec } from './spec.js';

export interface AnalyticOptions {
  /** Test inputs: also return the test×train kernels. */
  xTest?: MatrixLike;
  /** Gauss–Hermite points per dimension for activations without a closed form (default 32). */
  quadratureOrder?: number;
}

export interface KernelPair {
  nngp: Kernel;
  ntk: Kernel;
}

export interface AnalyticKernels {
  train: KernelPair;
  test?: KernelPair;
}

/**
 * E[φ(u)φ(v)] and E[φ′(u)φ′(v)] for (u, v) ~ N(0, [[a, c], [c, b]]); closed forms for the ReLU
 * family, erf and the identity, quadrature otherwise. ρ is clamped to [−1, 1] and θ = arccos ρ is
 * taken as 2·atan2(√(1−ρ), √(1+ρ)), which keeps its digits near ρ = ±1.
 */
export function activationPairExpectations(
  activation: Activation,
  a: number,
  b: number,
  c: number,
  rule: HermiteRule,
): PairExpectations {
  switch (activation.name) {
    case 'identity':
      return { valueProduct: c, derivativeProduct: 1 };
    case 'relu':
      return leakyReluExpectations(0, a, b, c);
    case 'leaky_relu':
      return leakyReluExpectations(activation.slope, a, b, c);
    case 'erf': {
      const bound = Math.sqrt(a * b);
      const cc = Math.min(Math.max(c, -bound), bound);
      const spread = (1 + 2 * a) * (1 + 2 * b);
      const arg = Math.min(Math.max((2 * cc) / Math.sqrt(spread), -1), 1);
      return {
        valueProduct: (2 / Math.PI) * Math.asin(arg),
        derivativeProduct: 4 / (Math.PI * Math.sqrt(spread - 4 * cc * cc)),
      };
    }
    default: {
      const { value, derivative } = scalarActivation(activation);
      return gaussianPairExpectations(rule, a, b, c, value, derivative);
    }
  }
}

/**
 * φ(x) = slope·x + (1 − slope)·relu(x): E[φφ] = slope·c + (1 − slope)²·K_relu with the arc-cosine
 * K_relu = √(ab)(sin θ + (π − θ) cos θ)/(2π); E[φ′φ′] = (1 + slope²)(π − θ)/(2π) + slope·θ/π.
 * A zero-variance argument takes φ′(0) = slope, as TF.js does.
 */
function leakyReluExpectations(slope: number, a: number, b: number, c: number): PairExpectations {
  const scale = Math.sqrt(a * b);
  if (!(scale > 0)) {
    const halfOrSlope = (v: number) => (v > 0 ? (1 + slope) / 2 : slope);
    return { valueProduct: 0, derivativeProduct: halfOrSlope(a) * halfOrSlope(b) };
  }
  const rho = Math.min(Math.max(c / scale, -1), 1);
  const theta = 2 * Math.atan2(Math.sqrt(1 - rho), Math.sqrt(1 + rho));
  const sinTheta = Math.sqrt((1 - rho) * (1 + rho));
  const relu = (scale * (sinTheta + (Math.PI - theta) * rho)) / (2 * Math.PI);
  const reluDerivative = (Math.PI - theta) / (2 * Math.PI);
  return {
    valueProduct: slope * c + (1 - slope) * (1 - slope) * relu,
    derivativeProduct: (1 + slope * slope) * reluDerivative + (slope * theta) / Math.PI,
  };
}

/** Σ (NNGP) and Θ (NTK) between `rows` and `cols` points, layer by layer (math.md §5). */
function propagate(
  plans: LayerPlan[],
  rows: Matrix64,
  cols: Matrix64,
  symmetric: boolean,
  rule: HermiteRule,
): { nngp: Matrix64; ntk: Matrix64 } {
  const m = rows.rows;
  const n = cols.rows;
  const d = rows.cols;
  const first = plans[0]!;
  const v0 = effectiveWeightVariance(first);
  const b0 = effectiveBiasVariance(first);
  const contribution0 = first.weightScale * first.weightScale * first.fanIn;
  const bias0 = first.biasScale * first.biasScale;
  const sigma = new Float64Array(m * n);
  const theta = new Float64Array(m * n);
  const dot = (x: Float64Array, y: Float64Array) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[k]! * y[k]!;
    return s / d;
  };
  for (let i = 0; i < m; i++) {
    for (let j = symmetric ? i : 0; j < n; j++) {
      const k0 = dot(rows.row(i), cols.row(j));
      sigma[i * n + j] = v0 * k0 + b0;
      theta[i * n + j] = contribution0 * k0 + bias0;
    }
  }
  const rowDiag = Float64Array.from({ length: m }, (_, i) => v0 * dot(rows.row(i), rows.row(i)) + b0);
  const colDiag = symmetric ? rowDiag : Float64Array.from({ length: n }, (_, j) => v0 * dot(cols.row(j), cols.row(j)) + b0);
  for (let l = 1; l < plans.length; l++) {
    const layer = plans[l]!;
    const activation = plans[l - 1]!.activation;
    const v = effectiveWeightVariance(layer);
    const bv = effectiveBiasVariance(layer);
    const weightContribution = layer.weightScale * layer.weightScale * layer.fanIn;
    const biasContribution = layer.biasScale * layer.biasScale;
    for (let i = 0; i < m; i++) {
      const a = rowDiag[i]!;
      for (let j = symmetric ? i : 0; j < n; j++) {
        const e = activationPairExpectations(activation, a, colDiag[j]!, sigma[i * n + j]!, rule);
        sigma[i * n + j] = v * e.valueProduct + bv;
        theta[i * n + j] = theta[i * n + j]! * v * e.derivativeProduct + weightContribution * e.valueProduct + biasContribution;
      }
    }
    const nextDiag = (q: number) => v * activationPairExpectations(activation, q, q, q, rule).valueProduct + bv;
    rowDiag.set(rowDiag.map(nextDiag));
    if (!symmetric) colDiag.set(colDiag.map(nextDiag));
  }
  if (symmetric) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) {
        sigma[i * n + j] = sigma[j * n + i]!;
        theta[i * n + j] = theta[j * n + i]!;
      }
    }
  }
  return { nngp: new Matrix64(m, n, sigma), ntk: new Matrix64(m, n, theta) };
}

/**
 * Infinite-width NNGP and NTK of an MLP, train×train and (with `xTest`) test×train, float64, on
 * the raw scale (call `toTrainingScale` for Θ = raw/n). For the standard and μP parameterisations
 * the kernel is the large-width kernel of the finite network whose widths the spec gives (see README).
 * Accepts a spec or the layer plans of a network read from TF.js.
 */
export function analyticKernels(
  architecture: MlpSpec | LayerPlan[],
  xTrain: MatrixLike,
  options: AnalyticOptions = {},
): AnalyticKernels {
  const plans = Array.isArray(architecture) ? architecture : layerPlans(architecture);
  const inputDim = plans[0]!.fanIn;
  const rule = gaussHermiteRule(options.quadratureOrder ?? 32);
  const train = inputMatrix(xTrain, inputDim, 'xTrain');
  const n = train.rows;
  const wrap = (k: { nngp: Matrix64; ntk: Matrix64 }): KernelPair => ({
    nngp: { kind: 'nngp', matrix: k.nngp, scale: 'raw', n },
    ntk: { kind: 'ntk', matrix: k.ntk, scale: 'raw', n },
  });
  const result: AnalyticKernels = { train: wrap(propagate(plans, train, train, true, rule)) };
  if (options.xTest !== undefined) {
    result.test = wrap(propagate(plans, inputMatrix(options.xTest, inputDim, 'xTest'), train, false, rule));
  }
  return result;
}
