/** Raised for a table that cannot become a design: the message names the file, column or row, and the fix. */
export class TabularInputError extends Error {
  override name = 'TabularInputError';
}
