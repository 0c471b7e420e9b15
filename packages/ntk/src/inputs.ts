import { toMatrix64, type Matrix64, type MatrixLike } from '@duality/linalg-core';
import { KernelInputError } from './errors.js';

/**
 * Largest |x_ij| accepted. With σ ≤ MAX_STD the first layer's Σ = σ_w²·xᵀx′/d + σ_b² and a float32 network's
 * first pre-activations then stay far inside float64 and float32 range (1e30·σ_w² ≪ 1e308; 1e15·σ_w ≪ 3e38);
 * inputs anywhere near it are unstandardised anyway.
 */
export const MAX_INPUT_MAGNITUDE = 1e15;

/** Index of the first entry that is not a number within ±limit, or −1: a plain loop (n·d entries at biobank width). */
function firstBeyond(data: Float64Array, limit: number): number {
  for (let k = 0; k < data.length; k++) if (!(Math.abs(data[k]!) <= limit)) return k;
  return -1;
}

/** Input points as a float64 matrix: at least one row, every entry finite and within MAX_INPUT_MAGNITUDE. */
export function finiteInputs(x: MatrixLike, name: string): Matrix64 {
  const m = toMatrix64(x);
  if (m.rows === 0) throw new KernelInputError(`${name} has no rows; give at least one input point`);
  const bad = firstBeyond(m.data, MAX_INPUT_MAGNITUDE);
  if (bad >= 0) {
    const v = m.data[bad]!;
    const where = `${name}[${Math.floor(bad / m.cols)}][${bad % m.cols}] is ${v}`;
    throw new KernelInputError(
      Number.isFinite(v)
        ? `${where}, beyond ±${MAX_INPUT_MAGNITUDE} where the kernel recursions overflow; standardise the inputs (zero mean, unit variance per feature)`
        : `${where}; remove or impute non-finite inputs`,
    );
  }
  return m;
}

/** Inputs as a float64 matrix with `inputDim` columns and finite entries. */
export function inputMatrix(x: MatrixLike, inputDim: number, name: string): Matrix64 {
  const m = finiteInputs(x, name);
  if (m.cols !== inputDim) {
    throw new KernelInputError(
      `${name} has ${m.cols} columns but the network's input dimension is ${inputDim}; ` +
        `pass one row per point with ${inputDim} features`,
    );
  }
  return m;
}

/** A computed kernel or output must be finite: deep ReLU stacks with large σ_w can still overflow. */
export function assertFiniteResult(values: ArrayLike<number>, what: string): void {
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k]!)) {
      throw new KernelInputError(
        `${what} overflowed (entry ${k} is ${values[k]}); standardise the inputs, or lower weightStd/biasStd or the depth`,
      );
    }
  }
}

/** The training-set size n a kernel's 1/n will use: a positive integer (0, negative or NaN would flip or blow up Θ/n). */
export function trainingSize(n: number | undefined, fallback: number, caller: string): number {
  const value = n ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new KernelInputError(`${caller}: n (the training-set size) must be a positive integer, got ${value}; omit it for the rows of x`);
  }
  return value;
}
