import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerAnalyze } from './commands/analyze.js';
import { registerDynamics } from './commands/dynamics.js';
import { registerExplain } from './commands/explain.js';
import { registerInfo } from './commands/info.js';
import { registerKernel } from './commands/kernel.js';
import { registerPredict } from './commands/predict.js';
import { registerTrain } from './commands/train.js';
import { stdoutOutput, type Output } from './output.js';

/** The CLI's package version (src/ and dist/ both sit one folder below package.json). */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The `duality` command line. Errors propagate to the caller (main.ts prints them as one line). */
export function createProgram(output: Output = stdoutOutput): Command {
  const program = new Command('duality')
    .description('Neural-network training as statistical inference: should I train, and for how long?')
    .version(version, '-V, --version', 'print the version of duality')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.write(text.trimEnd()), writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError(false);
  registerInfo(program, output);
  registerAnalyze(program, output);
  registerTrain(program, output);
  registerPredict(program, output);
  registerKernel(program, output);
  registerDynamics(program, output);
  registerExplain(program, output);
  return program;
}
