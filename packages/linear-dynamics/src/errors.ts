import { DualityError } from '@duality/linalg-core';

/** Bad input to a linear-dynamics function: the message names the problem and the fix. */
export class LinearDynamicsInputError extends DualityError {
  override readonly name = 'LinearDynamicsInputError';
  override readonly kind = 'input';
}

export function requirePositive(value: number, what: string, allowInfinity = false): void {
  if (!(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    const range = allowInfinity ? 'a positive number or Infinity' : 'a positive finite number';
    throw new LinearDynamicsInputError(`${what} must be ${range}, got ${value}`);
  }
}

export function requireNonNegative(value: number, what: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new LinearDynamicsInputError(`${what} must be a finite number >= 0, got ${value}`);
  }
}

export function requirePositiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new LinearDynamicsInputError(`${what} must be a positive integer, got ${value}`);
  }
}

/**
 * Largest eigenvalue, target variance or noise a data model may carry. Normalised models have λ ≤ 1 and signal ~ 1;
 * past 1e6 the losses' squares (and η₀λ, far beyond the stable step) overflow float64 within a few steps.
 */
export const MAX_DATA_SCALE = 1e6;

export function requireAtMost(value: number, bound: number, what: string, fix: string): void {
  if (value > bound) throw new LinearDynamicsInputError(`${what} is ${value}, above ${bound}; ${fix}`);
}
