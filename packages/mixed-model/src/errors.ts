import { DualityError } from '@duality/linalg-core';

/**
 * Raised for input the mixed model refuses (length mismatch, NaN, a kernel that is not PSD, a rank-deficient
 * design, …). The message names the problem and what to do about it.
 */
export class MixedModelInputError extends DualityError {
  override name = 'MixedModelInputError';
  override readonly kind = 'input';
}

/** Raised when a numerical routine could not reach the accuracy it promises (never a silent wrong number). */
export class MixedModelNumericalError extends DualityError {
  override name = 'MixedModelNumericalError';
  override readonly kind = 'numerical';
}
