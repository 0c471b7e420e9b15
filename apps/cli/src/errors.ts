/** A problem with what the user gave (file, column, flag): printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Error classes from the libraries that mean "bad input", not "bug": shown as one line, exit code 2. */
const inputErrorNames = new Set([
  'UsageError',
  'LinalgInputError',
  'NotPositiveDefiniteError',
  'BackendUnavailableError',
  'MixedModelInputError',
  'SpecError',
  'KernelInputError',
  'UnsupportedLayerError',
  'TabularInputError',
  'TrainerInputError',
  'LinearDynamicsInputError',
  'CommanderError',
]);

/** Exit code and the one line to print for an error that reached the top level. */
export function describeFailure(err: unknown): { code: number; line: string } {
  if (err instanceof Error) {
    const firstLine = err.message.split('\n')[0] ?? err.name;
    if (inputErrorNames.has(err.name)) return { code: 2, line: firstLine };
    return { code: 1, line: `internal error: ${firstLine} (set DUALITY_DEBUG=1 for the stack trace)` };
  }
  return { code: 1, line: `internal error: ${String(err)}` };
}
