#!/usr/bin/env node
import { CommanderError } from 'commander';
import { rerunWithHugePages } from './huge-pages.js';
import { createProgram } from './program.js';

// A reader that stops early (`duality explain | head`) closes the pipe: that ends the output, it is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

const args = process.argv.slice(2);
const rerun = await rerunWithHugePages(args);
if (rerun !== undefined) process.exitCode = rerun;
else await run(args);

async function run(args: string[]): Promise<void> {
  try {
    await (await createProgram(undefined, args)).parseAsync(process.argv);
  } catch (err) {
    await fail(err);
  }
}

async function fail(err: unknown): Promise<void> {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (unknown option, --help, --version).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    return;
  }
  if (process.env.DUALITY_DEBUG) console.error(err);
  // Loaded here, not above: it reaches the libraries' error kinds, which --help and --version never need.
  const { describeFailure } = await import('./errors.js');
  const { code, line } = describeFailure(err);
  console.error(`duality: ${line}`);
  process.exitCode = code;
}
