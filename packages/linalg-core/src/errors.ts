/** Raised for input the linear algebra refuses: the message names the problem and the fix. */
export class LinalgInputError extends Error {
  override name = 'LinalgInputError';
}

/** Raised when a matrix that must be positive definite is not (Cholesky hit a non-positive pivot). */
export class NotPositiveDefiniteError extends LinalgInputError {
  override name = 'NotPositiveDefiniteError';
  constructor(
    readonly pivot: number,
    readonly value: number,
  ) {
    super(
      `matrix is not positive definite: Cholesky pivot ${pivot} is ${value.toPrecision(3)} ≤ 0; ` +
        `check that the matrix is symmetric positive definite, or add a ridge (A + εI)`,
    );
  }
}

/** Raised when a backend asked for by name cannot be used here. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
