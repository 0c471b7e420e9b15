import type { Matrix64 } from '@duality/linalg-core';

/**
 * 'raw': J Jᵀ (or its infinite-width limit) with no 1/n. 'per-sample-1/n': the training kernel
 * Θ = (1/n)·J Jᵀ of math.md §0, whose 1/n comes from the loss (1/2n)·‖f − y‖².
 */
export type KernelScale = 'raw' | 'per-sample-1/n';

/**
 * A kernel matrix that carries its scaling, so that nobody divides by n twice. `matrix` is
 * rows × n: train×train (n×n) or test×train (m×n); `n` is always the training-set size.
 */
export interface Kernel {
  kind: 'ntk' | 'nngp';
  matrix: Matrix64;
  scale: KernelScale;
  n: number;
}

/**
 * The kernel on the training scale Θ = raw/n (math.md §0). Idempotent: a scaled kernel comes back as is. With
 * `inPlace` the raw matrix itself is divided (no n×n copy; the raw kernel is then gone).
 */
export function toTrainingScale(kernel: Kernel, options: { inPlace?: boolean } = {}): Kernel {
  if (kernel.scale === 'per-sample-1/n') return kernel;
  const matrix = options.inPlace ? kernel.matrix : kernel.matrix.clone();
  const data = matrix.data;
  for (let i = 0; i < data.length; i++) data[i]! /= kernel.n;
  return { ...kernel, matrix, scale: 'per-sample-1/n' };
}
