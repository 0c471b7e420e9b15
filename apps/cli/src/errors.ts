import { DualityError, errorKind } from '@duality/linalg-core';

/** A problem with what the user gave (file, column, flag): printed as one line, exit code 2. */
export class UsageError extends DualityError {
  override name = 'UsageError';
  override readonly kind = 'input';
}

/**
 * Exit code and the one line to print for an error that reached the top level, decided by its kind (`errorKind`,
 * which also knows a DualityError from another copy of the packages): the user's to fix (input, environment) is one
 * line with exit code 2; anything else (numerical, internal, an error from outside Duality) is an internal error,
 * exit code 1. Commander's own errors never get here: main.ts ends them with exit code 2 after commander has
 * printed them.
 */
export function describeFailure(err: unknown): { code: number; line: string } {
  const firstLine = err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err);
  const kind = errorKind(err);
  if (kind === 'input' || kind === 'environment') {
    return { code: 2, line: firstLine };
  }
  return { code: 1, line: `internal error: ${firstLine} (set DUALITY_DEBUG=1 for the stack trace)` };
}
