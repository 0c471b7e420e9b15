import { DualityError } from '@duality/linalg-core';

/** A model folder or a table that cannot give predictions: the message names the file, field, column or row, and the fix. */
export class PredictorInputError extends DualityError {
  override name = 'PredictorInputError';
  override readonly kind = 'input';
}
