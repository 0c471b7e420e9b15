/**
 * Who has to act on an error, the one classification every Duality package shares:
 * - 'input': the caller's mistake (a shape, a value, a setting); the message names the problem and the fix;
 * - 'environment': a piece of the environment is missing or will not load (a native library, a backend);
 * - 'numerical': a routine could not reach the accuracy it promises (never a silent wrong number);
 * - 'internal': a bug in Duality.
 */
export type ErrorKind = 'input' | 'environment' | 'numerical' | 'internal';

/**
 * The base of every Duality error class. Handlers (the CLI's exit codes, a service's status codes) decide by
 * `kind`, never by class name or message text. Each subclass fixes its kind in one field
 * (`override readonly kind = 'input'`); a plain DualityError is 'internal' unless `options.kind` says otherwise.
 */
export class DualityError extends Error {
  override name = 'DualityError';
  readonly kind: ErrorKind;
  constructor(message: string, options?: ErrorOptions & { kind?: ErrorKind }) {
    super(message, options);
    this.kind = options?.kind ?? 'internal';
  }
}

const ERROR_KINDS: readonly string[] = ['input', 'environment', 'numerical', 'internal'] satisfies ErrorKind[];

/**
 * The kind of a Duality error, or undefined for anything else thrown. It reads the `kind` of any Error, not only
 * of an `instanceof DualityError`: a second copy of these packages in one program (or a fresh module graph) has
 * classes of its own, which instanceof would not recognise.
 */
export function errorKind(err: unknown): ErrorKind | undefined {
  const kind = err instanceof Error ? (err as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && ERROR_KINDS.includes(kind) ? (kind as ErrorKind) : undefined;
}

/** Raised for input the linear algebra refuses: the message names the problem and the fix. */
export class LinalgInputError extends DualityError {
  override name = 'LinalgInputError';
  override readonly kind = 'input';
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

/** Raised when an eigen or LAPACK routine did not converge: the input is typically badly scaled. */
export class LinalgNumericalError extends DualityError {
  override name = 'LinalgNumericalError';
  override readonly kind = 'numerical';
}

/** Raised when a backend asked for by name cannot be used here (a native library or addon that will not load). */
export class BackendUnavailableError extends DualityError {
  override name = 'BackendUnavailableError';
  override readonly kind = 'environment';
}

/**
 * Raised for an environment variable set to a value it does not take (DUALITY_LINALG, DUALITY_TFJS): the
 * message names the variable, the value and every valid value.
 */
export class EnvironmentVariableError extends DualityError {
  override name = 'EnvironmentVariableError';
  override readonly kind = 'input';
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: readonly string[],
  ) {
    super(`${variable}=${value} is not valid; use one of ${allowed.join('|')}, or unset it for the default`);
  }
}

/**
 * The value of environment variable `variable`, trimmed and lower-cased, as one of `allowed`; unset or empty gives
 * `allowed[0]` (the default). Anything else throws {@link EnvironmentVariableError}.
 */
export function environmentChoice<T extends string>(variable: string, allowed: readonly [T, ...T[]]): T {
  const raw = process.env[variable] ?? '';
  const value = raw.trim().toLowerCase();
  if (value === '') return allowed[0];
  const match = allowed.find((choice) => choice === value);
  if (match === undefined) throw new EnvironmentVariableError(variable, raw, allowed);
  return match;
}
