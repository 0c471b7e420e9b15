import type { Command } from 'commander';
import { CATALOGUE, listingProgram, loadedProgram } from './catalogue.js';
import { stdoutOutput, type Output } from './output.js';

/** The subcommand the arguments run (`duality help train` runs train's help), if any. */
export function subcommandOf(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && name in CATALOGUE ? name : undefined;
}

/**
 * The `duality` command line. Given the arguments, only the subcommand they run is loaded (none for `--help` or
 * `--version`, which then answer in a fraction of a second); without them, every subcommand.
 */
export async function createProgram(output: Output = stdoutOutput, args?: readonly string[]): Promise<Command> {
  if (args === undefined) return loadedProgram(output);
  const name = subcommandOf(args);
  return name === undefined ? listingProgram(output) : loadedProgram(output, [name]);
}
