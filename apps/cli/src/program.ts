import { Command } from 'commander';
import { registerAnalyze } from './commands/analyze.js';
import { registerDynamics } from './commands/dynamics.js';
import { registerInfo } from './commands/info.js';
import { registerKernel } from './commands/kernel.js';
import { registerTrain } from './commands/train.js';
import { stdoutOutput, type Output } from './output.js';

/** The `duality` command line. Errors propagate to the caller (main.ts prints them as one line). */
export function createProgram(output: Output = stdoutOutput): Command {
  const program = new Command('duality')
    .description('Neural-network training as statistical inference: should I train, and for how long?')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError(false);
  registerInfo(program, output);
  registerAnalyze(program, output);
  registerTrain(program, output);
  registerKernel(program, output);
  registerDynamics(program, output);
  return program;
}
