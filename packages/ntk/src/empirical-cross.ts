import { Matrix64, type MatrixLike } from '@duality/linalg-core';
import { accumulateDiagonal, accumulateLayer, layerPass, rowBlock, selectedOutputs } from './empirical.js';
import { KernelInputError } from './errors.js';
import { assertFiniteResult, inputMatrix, trainingSize } from './inputs.js';
import type { Kernel } from './kernel.js';
import type { DenseNetwork } from './network.js';
import { initTensorflow, type TfBackendInfo } from './tfjs-backend.js';

export interface EmpiricalCrossOptions {
  /** Which output's kernel, or 'mean' (default): as for `empiricalNtk`. */
  output?: number | 'mean';
  /** Rows of x per forward/backward pass (default: about 2²¹ activations per pass), so TF.js holds one block, not n rows. */
  rowsPerPass?: number;
  /** The training-set size the kernel's 1/n will use (default: the rows of x, as for Θ(X, X_r)). */
  n?: number;
}

export interface EmpiricalCross {
  /** Raw Θ(x, xColumns) (rows of x × rows of xColumns) at the network's current weights. */
  ntk: Kernel;
  /** Raw Θ(x_i, x_i) for every row of x: Σ_l (w_l‖a_i‖² + b_l)‖g_i‖², from the same layer terms. */
  diagonal: Float64Array;
  /** The outputs at the rows of x (n × outputDim). */
  f0: Matrix64;
  backend: TfBackendInfo;
}

function passRows(network: DenseNetwork, requested: number | undefined): number {
  if (requested === undefined) {
    const activations = network.plans.reduce((s, p) => s + p.fanOut, network.inputDim);
    return Math.max(256, Math.floor(2 ** 21 / activations));
  }
  if (!Number.isInteger(requested) || requested < 1) throw new KernelInputError(`rowsPerPass must be a positive integer, got ${requested}`);
  return requested;
}

/**
 * The empirical NTK between two input sets without the rows × rows kernel (math.md §6): one pass over the column points
 * keeps their layer terms A₀, G₀ (columns × widths), then x goes through in blocks of `rowsPerPass` rows, each adding
 * (w·A A₀ᵀ + b) ⊙ (G G₀ᵀ) to its rows of the kernel and (w‖a_i‖² + b)‖g_i‖² to the diagonal. Memory
 * O(rows·columns + (block + columns)·widths); time O(rows·columns·Σ widths) plus one pass per output and block.
 */
export async function empiricalCrossKernel(
  network: DenseNetwork,
  x: MatrixLike,
  xColumns: MatrixLike,
  options: EmpiricalCrossOptions = {},
): Promise<EmpiricalCross> {
  return crossKernelOfInputs(network, inputMatrix(x, network.inputDim, 'x'), inputMatrix(xColumns, network.inputDim, 'xColumns'), options);
}

/** `empiricalCrossKernel` on inputs already checked by `inputMatrix` (a pass over n·d entries saved at biobank width). */
export async function crossKernelOfInputs(network: DenseNetwork, input: Matrix64, columnInputs: Matrix64, options: EmpiricalCrossOptions): Promise<EmpiricalCross> {
  const backend = await initTensorflow();
  const outputs = selectedOutputs(network, options.output);
  const size = trainingSize(options.n, input.rows, 'empiricalCrossKernel');
  const step = passRows(network, options.rowsPerPass);
  const columnTerms = outputs.map((): { a: Matrix64; g: Matrix64 }[] => []);
  await layerPass(network, columnInputs, outputs, (t) => (columnTerms[t.output]![t.layer] = { a: t.inputs, g: t.gradients }));
  const [n, r] = [input.rows, columnInputs.rows];
  const kernel = new Float64Array(n * r);
  const diagonal = new Float64Array(n);
  const f0 = new Matrix64(n, network.outputDim);
  for (let r0 = 0; r0 < n; r0 += step) {
    const r1 = Math.min(n, r0 + step);
    const outputsHere = await layerPass(network, rowBlock(input, r0, r1), outputs, (t) => {
      accumulateLayer(kernel.subarray(r0 * r, r1 * r), t.inputs, t.gradients, t.factors, columnTerms[t.output]![t.layer]);
      accumulateDiagonal(diagonal.subarray(r0, r1), t.inputs, t.gradients, t.factors);
    });
    f0.data.set(outputsHere.data, r0 * network.outputDim);
  }
  // The mean over outputs of the per-output kernels, as empiricalNtk.
  if (outputs.length > 1) for (const data of [kernel, diagonal]) for (let i = 0; i < data.length; i++) data[i]! /= outputs.length;
  for (const [values, what] of [[f0.data, 'the network outputs f0'], [kernel, 'the empirical NTK'], [diagonal, 'its diagonal']] as const) {
    assertFiniteResult(values, what);
  }
  return { ntk: { kind: 'ntk', matrix: new Matrix64(n, r, kernel), scale: 'raw', n: size }, diagonal, f0, backend };
}
