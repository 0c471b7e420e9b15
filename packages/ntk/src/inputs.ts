import { toMatrix64, type Matrix64, type MatrixLike } from '@duality/linalg-core';
import { KernelInputError } from './errors.js';

/** Inputs as a float64 matrix with `inputDim` columns and finite entries. */
export function inputMatrix(x: MatrixLike, inputDim: number, name: string): Matrix64 {
  const m = toMatrix64(x);
  if (m.rows === 0) throw new KernelInputError(`${name} has no rows; give at least one input point`);
  if (m.cols !== inputDim) {
    throw new KernelInputError(
      `${name} has ${m.cols} columns but the network's input dimension is ${inputDim}; ` +
        `pass one row per point with ${inputDim} features`,
    );
  }
  const bad = m.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new KernelInputError(
      `${name}[${Math.floor(bad / m.cols)}][${bad % m.cols}] is ${m.data[bad]}; remove or impute non-finite inputs`,
    );
  }
  return m;
}
