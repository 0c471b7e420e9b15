/**
 * Raised for input the mixed model refuses (length mismatch, NaN, a kernel that is not PSD, a rank-deficient
 * design, …). The message names the problem and what to do about it.
 */
export class MixedModelInputError extends Error {
  override name = 'MixedModelInputError';
}

/** Raised when a numerical routine could not reach the accuracy it promises (never a silent wrong number). */
export class MixedModelNumericalError extends Error {
  override name = 'MixedModelNumericalError';
}
