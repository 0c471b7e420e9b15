import { DualityError } from '@duality/linalg-core';

/** Raised for a table that cannot become a design: the message names the file, column or row, and the fix. */
export class TabularInputError extends DualityError {
  override name = 'TabularInputError';
  override readonly kind = 'input';
}

/** Raised when the table reader (DuckDB's native binding) cannot load on this machine. */
export class TableReaderUnavailableError extends DualityError {
  override name = 'TableReaderUnavailableError';
  override readonly kind = 'environment';
}
