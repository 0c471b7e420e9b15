import { DualityError } from '@duality/linalg-core';

/** A spec field is missing or wrong. `field` is its path (e.g. `hiddenWidths[1]`). */
export class SpecError extends DualityError {
  override name = 'SpecError';
  override readonly kind = 'input';
  readonly field: string;
  constructor(field: string, problem: string, fix: string) {
    super(`spec.${field}: ${problem}; ${fix}`);
    this.field = field;
  }
}

/** A TF.js model holds a layer, activation or initialiser that this package cannot turn into a kernel. */
export class UnsupportedLayerError extends DualityError {
  override name = 'UnsupportedLayerError';
  override readonly kind = 'input';
}

/** Bad arguments to a kernel function (shapes, non-finite inputs). */
export class KernelInputError extends DualityError {
  override name = 'KernelInputError';
  override readonly kind = 'input';
}
