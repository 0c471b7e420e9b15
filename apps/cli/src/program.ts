import { Command } from 'commander';
import { registerInfo } from './commands/info.js';
import { stdoutOutput, type Output } from './output.js';

/** The `duality` command line. Errors propagate to the caller (main.ts prints them as one line). */
export function createProgram(output: Output = stdoutOutput): Command {
  const program = new Command('duality')
    .description('Neural-network training as statistical inference: should I train, and for how long?')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError(false);
  registerInfo(program, output);
  return program;
}
