import { Matrix64, type MatrixLike } from '@duality/linalg-core';
import { scalarActivation, type Activation } from './activations.js';
import { gaussHermiteRule, gaussianPairExpectations, type HermiteRule, type PairExpectations } from './gauss-hermite.js';
import { assertFiniteResult, inputMatrix, trainingSize } from './inputs.js';
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

/** One layer's constants in the recursion Σ^{l+1} = v·E[φφ] + bv, Θ^{l+1} = Θ^l·v·E[φ′φ′] + w·E[φφ] + b (math.md §5). */
interface LayerStep {
  activation: Activation;
  variance: number;
  biasVariance: number;
  weightContribution: number;
  biasContribution: number;
}

function layerSteps(plans: LayerPlan[]): LayerStep[] {
  return plans.slice(1).map((layer, l) => ({
    activation: plans[l]!.activation,
    variance: effectiveWeightVariance(layer),
    biasVariance: effectiveBiasVariance(layer),
    weightContribution: layer.weightScale * layer.weightScale * layer.fanIn,
    biasContribution: layer.biasScale * layer.biasScale,
  }));
}

/** Σ¹ and Θ¹ from the scaled input product xᵀx′/d, written at `index`. */
function firstLayer(plan: LayerPlan, product: number, sigma: Float64Array, theta: Float64Array, index: number): void {
  sigma[index] = effectiveWeightVariance(plan) * product + effectiveBiasVariance(plan);
  theta[index] = plan.weightScale * plan.weightScale * plan.fanIn * product + plan.biasScale * plan.biasScale;
}

/**
 * One pair's next layer, in place at `index`: from Σ(x, x) = a, Σ(x′, x′) = b and the pair's own Σ and Θ. The pair
 * recursion and the diagonal recursion both go through here, so the diagonal is bitwise the dense kernel's.
 */
function nextLayer(
  step: LayerStep,
  a: number,
  b: number,
  sigma: Float64Array,
  theta: Float64Array,
  index: number,
  rule: HermiteRule,
): void {
  const e = activationPairExpectations(step.activation, a, b, sigma[index]!, rule);
  sigma[index] = step.variance * e.valueProduct + step.biasVariance;
  theta[index] = theta[index]! * step.variance * e.derivativeProduct + step.weightContribution * e.valueProduct + step.biasContribution;
}

function scaledDot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k]! * y[k]!;
  return s / x.length;
}

/** Per-point Σ(x, x) entering each layer (`perLayer[l]` feeds layer l + 1), and the last layer's Σ(x, x), Θ(x, x). */
interface DiagonalPath {
  perLayer: Float64Array[];
  nngp: Float64Array;
  ntk: Float64Array;
}

/** The recursion on the pairs (x_i, x_i) alone: O(m·depth) kernel entries. */
function diagonalPath(plans: LayerPlan[], points: Matrix64, rule: HermiteRule): DiagonalPath {
  const m = points.rows;
  const sigma = new Float64Array(m);
  const theta = new Float64Array(m);
  for (let i = 0; i < m; i++) firstLayer(plans[0]!, scaledDot(points.row(i), points.row(i)), sigma, theta, i);
  const perLayer: Float64Array[] = [];
  for (const step of layerSteps(plans)) {
    perLayer.push(sigma.slice());
    for (let i = 0; i < m; i++) nextLayer(step, sigma[i]!, sigma[i]!, sigma, theta, i, rule);
  }
  assertFiniteResult(sigma, 'the NNGP diagonal');
  assertFiniteResult(theta, 'the NTK diagonal');
  return { perLayer, nngp: sigma, ntk: theta };
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
  const rowPath = diagonalPath(plans, rows, rule);
  const colPath = symmetric ? rowPath : diagonalPath(plans, cols, rule);
  const sigma = new Float64Array(m * n);
  const theta = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = symmetric ? i : 0; j < n; j++) firstLayer(plans[0]!, scaledDot(rows.row(i), cols.row(j)), sigma, theta, i * n + j);
  }
  layerSteps(plans).forEach((step, l) => {
    const rowDiag = rowPath.perLayer[l]!;
    const colDiag = colPath.perLayer[l]!;
    for (let i = 0; i < m; i++) {
      for (let j = symmetric ? i : 0; j < n; j++) nextLayer(step, rowDiag[i]!, colDiag[j]!, sigma, theta, i * n + j, rule);
    }
  });
  if (symmetric) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) {
        sigma[i * n + j] = sigma[j * n + i]!;
        theta[i * n + j] = theta[j * n + i]!;
      }
    }
  }
  assertFiniteResult(sigma, 'the NNGP kernel');
  assertFiniteResult(theta, 'the NTK kernel');
  return { nngp: new Matrix64(m, n, sigma), ntk: new Matrix64(m, n, theta) };
}

/** The layer plans of a spec, or the plans themselves (e.g. `network.plans`). */
export function plansOf(architecture: MlpSpec | LayerPlan[]): LayerPlan[] {
  return Array.isArray(architecture) ? architecture : layerPlans(architecture);
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
  const plans = plansOf(architecture);
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

export interface CrossKernelOptions {
  /** The training-set size the kernels' 1/n will use (default: the rows of `xRows`, as for Θ(X, X_r)). */
  n?: number;
  /** Gauss–Hermite points per dimension for activations without a closed form (default 32). */
  quadratureOrder?: number;
}

/**
 * Infinite-width NNGP and NTK between two input sets, Θ_raw(xRows, xColumns) (rows × columns), e.g. training rows
 * against landmarks for a Nyström factor: only that block is formed, never xRows × xRows. Raw scale; `n` (default the
 * rows of xRows) is what `toTrainingScale` divides by.
 */
export function analyticCrossKernel(
  architecture: MlpSpec | LayerPlan[],
  xRows: MatrixLike,
  xColumns: MatrixLike,
  options: CrossKernelOptions = {},
): KernelPair {
  const plans = plansOf(architecture);
  const rows = inputMatrix(xRows, plans[0]!.fanIn, 'xRows');
  const columns = inputMatrix(xColumns, plans[0]!.fanIn, 'xColumns');
  const n = trainingSize(options.n, rows.rows, 'analyticCrossKernel');
  const k = propagate(plans, rows, columns, false, gaussHermiteRule(options.quadratureOrder ?? 32));
  return { nngp: { kind: 'nngp', matrix: k.nngp, scale: 'raw', n }, ntk: { kind: 'ntk', matrix: k.ntk, scale: 'raw', n } };
}

/**
 * The diagonals Σ_raw(x_i, x_i) and Θ_raw(x_i, x_i) by the per-point recursion: O(n) kernel entries, equal to the
 * dense kernels' diagonals. With a low-rank factor they give the exact trace (math.md §6).
 */
export function analyticDiagonal(
  architecture: MlpSpec | LayerPlan[],
  x: MatrixLike,
  options: { quadratureOrder?: number } = {},
): { nngp: Float64Array; ntk: Float64Array } {
  const plans = plansOf(architecture);
  const { nngp, ntk } = diagonalPath(plans, inputMatrix(x, plans[0]!.fanIn, 'x'), gaussHermiteRule(options.quadratureOrder ?? 32));
  return { nngp, ntk };
}
