import * as tf from '@tensorflow/tfjs';
import { Matrix64, syrk, type MatrixLike } from '@duality/linalg-core';
import { KernelInputError } from './errors.js';
import { inputMatrix } from './inputs.js';
import type { Kernel } from './kernel.js';
import { float32Tensor, type DenseNetwork } from './network.js';
import { initTensorflow, type TfBackendInfo } from './tfjs-backend.js';

export interface EmpiricalOptions {
  /**
   * Which output's kernel: an index, or 'mean' (default) for the mean over outputs of the per-output
   * kernels, the nearest Θ ⊗ I_k to the full nk × nk kernel (math.md §2.3). Equal for one output.
   */
  output?: number | 'mean';
}

export interface EmpiricalNtk {
  /** Raw J Jᵀ (n × n) at the network's current weights; `toTrainingScale` gives Θ = J Jᵀ/n. */
  ntk: Kernel;
  /** The outputs at the current weights (n × outputDim), float64 copies of the float32 values. */
  f0: Matrix64;
  backend: TfBackendInfo;
}

function selectedOutputs(network: DenseNetwork, output: number | 'mean' | undefined): number[] {
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

/** R Rᵀ in float64 (linalg-core: BLAS when it loads) for the n rows of a float32 tensor. */
async function gram(t: tf.Tensor2D): Promise<Float64Array> {
  const [rows, cols] = t.shape;
  return syrk(new Matrix64(rows, cols, await float64Of(t))).data;
}

/**
 * The empirical NTK without forming J (math.md §5): one batched forward and backward pass of Σ_i f_o(x_i)
 * per output o gives each layer's inputs A_{l−1} and pre-activation gradients G_l; then
 * J Jᵀ = Σ_l weightScale_l²·(A_{l−1}A_{l−1}ᵀ) ⊙ (G_l G_lᵀ) + biasScale_l²·(G_l G_lᵀ), all in float64
 * (Gram products by linalg-core's syrk). Cost O(n² Σ widths) plus one pass per output.
 */
export async function empiricalNtk(network: DenseNetwork, x: MatrixLike, options: EmpiricalOptions = {}): Promise<EmpiricalNtk> {
  const backend = await initTensorflow();
  const input = inputMatrix(x, network.inputDim, 'x');
  const outputs = selectedOutputs(network, options.output);
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
      const { value, grads } = tf.valueAndGrads(sumOfOutput)(shifts);
      value.dispose();
      tf.dispose(shifts);
      gradientsPerOutput.push(grads);
    }
    const kernel = new Float64Array(n * n);
    for (let l = 0; l < plans.length; l++) {
      const plan = plans[l]!;
      const inputGram = await gram(layerInputs[l]!);
      const weightFactor = plan.weightScale * plan.weightScale;
      const biasFactor = plan.biasScale * plan.biasScale;
      for (const grads of gradientsPerOutput) {
        const gradientGram = await gram(grads[l]! as tf.Tensor2D);
        for (let ij = 0; ij < kernel.length; ij++) {
          kernel[ij]! += (weightFactor * inputGram[ij]! + biasFactor) * gradientGram[ij]!;
        }
      }
    }
    const count = outputs.length;
    if (count > 1) for (let i = 0; i < kernel.length; i++) kernel[i]! /= count;
    const f0 = new Matrix64(n, network.outputDim, await float64Of(outputTensor!));
    return { ntk: { kind: 'ntk', matrix: new Matrix64(n, n, kernel), scale: 'raw', n }, f0, backend };
  } finally {
    tf.dispose([xTensor, ...layerInputs, ...gradientsPerOutput.flat()]);
    if (outputTensor) outputTensor.dispose();
  }
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
      let offset = 0;
      for (const g of grads) {
        row.set(await g.data(), offset);
        offset += g.size;
      }
      tf.dispose(grads);
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
