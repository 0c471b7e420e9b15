import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { initTensorflow } from '@duality/ntk';
import { networkKernel } from '@duality/trainer';
import { eigSym, type Matrix64 } from '@duality/linalg-core';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { inOutputFolder } from '../report/index.js';
import { formatNumber } from '../report/format.js';
import { table } from './format.js';
import { addDataOptions, addNetworkOptions, loadData, networkFromOptions, typedFlags, type DataOptions, type NetworkOptions } from './inputs.js';

type KernelOptions = DataOptions & NetworkOptions & { kernel: 'empirical' | 'analytic'; out: string; force?: boolean };

export function registerKernel(program: Command, output: Output): void {
  const command = program
    .command('kernel')
    .description('write the NTK of the training rows (Θ = J Jᵀ/n, kernel.csv) and its spectrum (spectrum.csv)')
    .argument('<file>', 'a CSV/TSV file with a header, or a JSON array of records')
    .requiredOption('--out <dir>', 'folder to write into (must be new or empty)')
    .option('--force', 'write into a folder that already has files (ours are overwritten), and a kernel.csv over 1 GB')
    .addOption(new Option('--kernel <source>', 'the network’s own NTK or its infinite-width limit').choices(['empirical', 'analytic']).default('empirical'));
  addDataOptions(command, { testFraction: '0' });
  addNetworkOptions(command);
  command.action((file: string, options: KernelOptions, self: Command) =>
    inOutputFolder(options.out, options.force ?? false, () => writeKernel(file, options, typedFlags(self), output)),
  );
}

/** A kernel CSV's bytes: about 20 characters an entry (a float64 printed in full, and its comma). */
const BYTES_PER_ENTRY = 20;
/** Above this a kernel CSV is written only with --force. */
export const KERNEL_CSV_LIMIT_BYTES = 1e9;

/** Refuse, before any work, an n×n CSV over 1 GB unless forced; the estimate is said either way. */
export function checkKernelCsvSize(n: number, force: boolean): number {
  const bytes = n * n * BYTES_PER_ENTRY;
  if (bytes > KERNEL_CSV_LIMIT_BYTES && !force) {
    throw new UsageError(
      `kernel.csv for ${n} rows would be about ${formatBytes(bytes)} (${n}×${n} numbers); pass --force to write it anyway, or use fewer rows`,
    );
  }
  return bytes;
}

function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** kernel.csv, streamed a row at a time: a header of column ids, then each row with its id (1-based, as spectrum.csv). */
async function writeKernelCsv(path: string, theta: Matrix64): Promise<void> {
  const n = theta.rows;
  const stream = createWriteStream(path);
  const write = (line: string) => (stream.write(`${line}\n`) ? Promise.resolve() : once(stream, 'drain').then(() => undefined));
  await write(['row', ...Array.from({ length: n }, (_, j) => String(j + 1))].join(','));
  for (let i = 0; i < n; i++) await write(`${i + 1},${Array.from(theta.row(i), String).join(',')}`);
  stream.end();
  await finished(stream);
}

async function writeKernel(file: string, options: KernelOptions, given: (key: string) => boolean, output: Output): Promise<void> {
  const { design } = loadData({ file }, options);
  const bytes = checkKernelCsvSize(design.train.x.rows, options.force ?? false);
  await initTensorflow(); // networks are created on the chosen backend
  const network = await networkFromOptions(design, options, given);
  const kernel = await networkKernel(network, design.train.x, undefined, options.kernel);
  network.dispose();
  const computed = eigSym(kernel.theta, { vectors: 'none' }).values;
  // Rounding leaves tiny negative eigenvalues of a PSD kernel: report them clipped at 0, and the most negative seen.
  const values = computed.map((v) => Math.max(v, 0));
  const mostNegative = Math.min(0, ...computed);
  const n = kernel.theta.rows;
  await writeKernelCsv(join(options.out, 'kernel.csv'), kernel.theta);
  const spectrum = Array.from(values, (v, i) => `${i + 1},${v},${computed[i]}`).join('\n');
  await writeFile(join(options.out, 'spectrum.csv'), `index,eigenvalue,computed\n${spectrum}\n`);
  const trace = values.reduce((s, v) => s + v, 0);
  const clipped = mostNegative < 0 ? ` (clipped at 0; most negative computed ${formatNumber(mostNegative, 2)})` : '';
  output.write(
    table([
      ['kernel', `${kernel.source} NTK on the training scale (1/n), ${n}×${n}, in ${formatNumber(kernel.seconds)} s`],
      ['spectrum', `λ1 = ${formatNumber(values[0]!)}, λn = ${formatNumber(values[n - 1]!)}${clipped}, tr Θ = ${formatNumber(trace)}`],
      ['written', `${join(options.out, 'kernel.csv')} (about ${formatBytes(bytes)}), ${join(options.out, 'spectrum.csv')}`],
    ]),
  );
}
