import * as tf from '@tensorflow/tfjs';
import { gemm, Matrix64, type MatrixLike } from '@duality/linalg-core';
import { KernelInputError } from './errors.js';
import { assertFiniteResult, inputMatrix } from './inputs.js';
import type { Kernel } from './kernel.js';
import { float32Tensor, type DenseNetwork } from './network.js';
import { initTensorflow, type TfBackendInfo } from './tfjs-backend.js';

export interface EmpiricalOptions {
  /**
   * Which output's kernel: an index, or 'mean' (default) for the mean over outputs of the per-output
   * kernels, the nearest Θ ⊗ I_k to the full nk × nk kernel (math.md §2.3). Equal for one output.
   */
  output?: number | 'mean';
  /**
   * Only the kernel against the first `columns` rows of x (default all): the n × columns block J J₀ᵀ, e.g. training
   * rows first, then test rows, for Θ(X, X) and Θ(x*, X) in one pass without the test×test block.
   */
  columns?: number;
}

export interface EmpiricalNtk {
  /** Raw J Jᵀ (n × columns) at the network's current weights; `toTrainingScale` gives Θ = J Jᵀ/n for the square case. */
  ntk: Kernel;
  /** The outputs at the current weights (n × outputDim), float64 copies of the float32 values. */
  f0: Matrix64;
  backend: TfBackendInfo;
}

/** The outputs whose kernels are averaged: all for 'mean' (default), else the one given (checked). */
export function selectedOutputs(network: DenseNetwork, output: number | 'mean' | undefined): number[] {
  const k = network.outputDim;
  if (output === undefined || output === 'mean') return Array.from({ length: k }, (_, o) => o);
  if (!Number.isInteger(output) || output < 0 || output >= k) {
    throw new KernelInputError(`output ${output} does not exist: the network has outputs 0..${k - 1}; or use 'mean'`);
  }
  return [output];
}

async function float64Of(t: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

async function matrixOf(t: tf.Tensor2D): Promise<Matrix64> {
  const [rows, cols] = t.shape;
  return new Matrix64(rows, cols, await float64Of(t));
}

/** Rows per block of the Gram products: two blocks of about 8 MB (garbage the GC keeps small), not two more n×n matrices. */
function blockRows(n: number): number {
  return Math.max(64, Math.floor(2 ** 20 / n));
}

/** The parameterisation's multipliers of a layer's weight block (A Aᵀ) and bias block (1 1ᵀ). */
export interface LayerFactors {
  weight: number;
  bias: number;
}

/** Rows [from, to) of m as a view (no copy). */
export function rowBlock(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix64(to - from, m.cols, m.data.subarray(from * m.cols, to * m.cols));
}

/**
 * kernel += (weightFactor·A A₀ᵀ + biasFactor) ⊙ (G G₀ᵀ), where A₀, G₀ are the column points' layer inputs and
 * gradients (default: A and G themselves; the first rows for a train-then-test kernel, landmark rows for Nyström),
 * so kernel is rows(A) × rows(A₀). One block of rows at a time (linalg-core's gemm: BLAS when it loads): the peak
 * memory is the kernel itself plus two row blocks.
 */
export function accumulateLayer(
  kernel: Float64Array,
  a: Matrix64,
  g: Matrix64,
  factors: LayerFactors,
  columns: { a: Matrix64; g: Matrix64 } = { a, g },
  step = blockRows(columns.a.rows),
): void {
  const width = columns.a.rows;
  for (let r0 = 0; r0 < a.rows; r0 += step) {
    const r1 = Math.min(a.rows, r0 + step);
    const inputs = gemm(rowBlock(a, r0, r1), columns.a, { transB: true }).data;
    const gradients = gemm(rowBlock(g, r0, r1), columns.g, { transB: true }).data;
    const offset = r0 * width;
    for (let ij = 0; ij < inputs.length; ij++) kernel[offset + ij]! += (factors.weight * inputs[ij]! + factors.bias) * gradients[ij]!;
  }
}

/** diagonal_i += (weightFactor·‖a_i‖² + biasFactor)·‖g_i‖²: the same layer term on the pairs (x_i, x_i) alone, O(n·width). */
export function accumulateDiagonal(diagonal: Float64Array, a: Matrix64, g: Matrix64, factors: LayerFactors): void {
  const squaredNorm = (v: Float64Array) => v.reduce((s, t) => s + t * t, 0);
  for (let i = 0; i < a.rows; i++) diagonal[i]! += (factors.weight * squaredNorm(a.row(i)) + factors.bias) * squaredNorm(g.row(i));
}

/** One layer's float64 inputs A_{l−1} and pre-activation gradients G_l for one of the selected outputs. */
export interface LayerTerms {
  layer: number;
  /** Position in the list of selected outputs. */
  output: number;
  inputs: Matrix64;
  gradients: Matrix64;
  factors: LayerFactors;
}

/**
 * One batched forward and backward pass of Σ_i f_o(x_i) per output o, then each layer's A_{l−1} and G_l handed to
 * `visit` in float64, one (layer, output) at a time (so only one pair of float64 copies is alive). Returns the outputs
 * at the current weights (n × outputDim). Every empirical kernel here is built from these terms.
 */
export async function layerPass(
  network: DenseNetwork,
  input: Matrix64,
  outputs: number[],
  visit: (terms: LayerTerms) => void,
): Promise<Matrix64> {
  const n = input.rows;
  const plans = network.plans;
  const xTensor = float32Tensor(input);
  const layerInputs: tf.Tensor2D[] = [];
  const gradientsPerOutput: tf.Tensor[][] = [];
  let outputTensor: tf.Tensor2D | undefined;
  try {
    for (const o of outputs) {
      const shifts = plans.map((p) => tf.zeros([n, p.fanOut]));
      const record = layerInputs.length === 0;
      const sumOfOutput = (...s: tf.Tensor[]) => {
        const out = network.forwardWith(network.parameters(), xTensor, s, record ? layerInputs : undefined);
        if (record) outputTensor = tf.keep(out);
        return tf.sum(tf.slice(out, [0, o], [n, 1])) as tf.Scalar;
      };
      try {
        const { value, grads } = tf.valueAndGrads(sumOfOutput)(shifts);
        value.dispose();
        gradientsPerOutput.push(grads);
      } finally {
        tf.dispose(shifts);
      }
    }
    for (let l = 0; l < plans.length; l++) {
      const plan = plans[l]!;
      const inputs = await matrixOf(layerInputs[l]!);
      const factors = { weight: plan.weightScale * plan.weightScale, bias: plan.biasScale * plan.biasScale };
      for (const [output, grads] of gradientsPerOutput.entries()) {
        visit({ layer: l, output, inputs, gradients: await matrixOf(grads[l]! as tf.Tensor2D), factors });
      }
    }
    return new Matrix64(n, network.outputDim, await float64Of(outputTensor!));
  } finally {
    tf.dispose([xTensor, ...layerInputs, ...gradientsPerOutput.flat()]);
    if (outputTensor) outputTensor.dispose();
  }
}

/**
 * The empirical NTK without forming J (math.md §5): one batched forward and backward pass of Σ_i f_o(x_i)
 * per output o gives each layer's inputs A_{l−1} and pre-activation gradients G_l; then
 * J Jᵀ = Σ_l weightScale_l²·(A_{l−1}A_{l−1}ᵀ) ⊙ (G_l G_lᵀ) + biasScale_l²·(G_l G_lᵀ), all in float64
 * (Gram products by linalg-core's gemm, a block of rows at a time, via `layerPass`). Cost O(n² Σ widths) plus one pass per output.
 */
export async function empiricalNtk(network: DenseNetwork, x: MatrixLike, options: EmpiricalOptions = {}): Promise<EmpiricalNtk> {
  const backend = await initTensorflow();
  const input = inputMatrix(x, network.inputDim, 'x');
  const outputs = selectedOutputs(network, options.output);
  const n = input.rows;
  const columns = options.columns ?? n;
  if (!(Number.isInteger(columns) && columns >= 1 && columns <= n)) {
    throw new KernelInputError(`columns must be an integer from 1 to the ${n} rows of x, got ${columns}`);
  }
  const kernel = new Float64Array(n * columns);
  const f0 = await layerPass(network, input, outputs, ({ inputs, gradients, factors }) => {
    accumulateLayer(kernel, inputs, gradients, factors, { a: rowBlock(inputs, 0, columns), g: rowBlock(gradients, 0, columns) });
  });
  const count = outputs.length;
  if (count > 1) for (let i = 0; i < kernel.length; i++) kernel[i]! /= count;
  assertFiniteResult(f0.data, 'the network outputs f0');
  assertFiniteResult(kernel, 'the empirical NTK');
  return { ntk: { kind: 'ntk', matrix: new Matrix64(n, columns, kernel), scale: 'raw', n: columns }, f0, backend };
}

/**
 * Reference implementation: per-example gradients (one backward pass per example and output, tf.grads
 * with respect to every stored parameter), then J Jᵀ with float64 accumulation. O(n·passes + n²·#params):
 * for tests and benchmarks only. Rows of J are kept in float32, which holds TF.js gradients exactly.
 */
export async function bruteForceNtk(network: DenseNetwork, x: MatrixLike, options: EmpiricalOptions = {}): Promise<Kernel> {
  await initTensorflow();
  const input = inputMatrix(x, network.inputDim, 'x');
  const outputs = selectedOutputs(network, options.output);
  const n = input.rows;
  const parameters = network.parameters();
  const parameterCount = parameters.reduce((s, p) => s + p.size, 0);
  const kernel = new Float64Array(n * n);
  for (const o of outputs) {
    const rows: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const row = new Float32Array(parameterCount);
      const grads = tf.tidy(() => {
        const xi = float32Tensor(new Matrix64(1, input.cols, input.row(i).slice()));
        const outputOf = (...p: tf.Tensor[]) => tf.sum(tf.slice(network.forwardWith(p, xi), [0, o], [1, 1])) as tf.Scalar;
        return tf.grads(outputOf)(parameters);
      });
      try {
        let offset = 0;
        for (const g of grads) {
          row.set(await g.data(), offset);
          offset += g.size;
        }
      } finally {
        tf.dispose(grads);
      }
      rows.push(row);
    }
    for (let i = 0; i < n; i++) {
      const ri = rows[i]!;
      for (let j = 0; j <= i; j++) {
        const rj = rows[j]!;
        let s = 0;
        for (let p = 0; p < parameterCount; p++) s += ri[p]! * rj[p]!;
        kernel[i * n + j]! += s;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      kernel[i * n + j]! /= outputs.length;
      kernel[j * n + i] = kernel[i * n + j]!;
    }
  }
  return { kind: 'ntk', matrix: new Matrix64(n, n, kernel), scale: 'raw', n };
}
