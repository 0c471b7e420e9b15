import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { initTensorflow } from '@duality/ntk';
import { kernelPlan, networkKernel, networkKernelFactor, type NetworkKernelFactor } from '@duality/trainer';
import { eigSym, lowRankSpectrum, type Matrix64 } from '@duality/linalg-core';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { inOutputFolder } from '../report/index.js';
import { formatNumber } from '../report/format.js';
import { table } from './format.js';
import {
  addKernelSizeOptions,
  addNetworkOptions,
  announcedRank,
  networkFromOptions,
  parseSeed,
  typedFlags,
  type KernelSizeOptions,
  type NetworkOptions,
  userInputs,
} from './inputs.js';
import { addDataOptions, loadData, type DataOptions, type LoadedData } from './data.js';
import { describe } from '../catalogue.js';

type KernelOptions = DataOptions & NetworkOptions & KernelSizeOptions & { kernel: 'empirical' | 'analytic'; out: string; force?: boolean };

export function registerKernel(program: Command, output: Output): void {
  const command = program
    .command('kernel')
    .description(describe('kernel'))
    .argument('<file>', 'a table: CSV/TSV with a header, JSON or NDJSON records, or Parquet (.gz allowed)')
    .requiredOption('--out <dir>', 'folder to write into (must be new or empty)')
    .option('--force', 'write into a folder that already has files (ours are overwritten), and a kernel.csv over 1 GB')
    .addOption(new Option('--kernel <source>', 'the network’s own NTK or its infinite-width limit').choices(['empirical', 'analytic']).default('empirical'));
  addDataOptions(command, { testFraction: '0' });
  addNetworkOptions(command);
  addKernelSizeOptions(command);
  command.action((file: string, options: KernelOptions, self: Command) =>
    inOutputFolder(options.out, options.force ?? false, { writes: KERNEL_OUTPUTS, inputs: userInputs(file, options.model) }, () =>
      writeKernel(file, options, typedFlags(self), output),
    ),
  );
}

/** Every file `kernel` may write: dense (kernel.csv) or low rank (factor.csv, landmarks.csv), and the spectrum. */
const KERNEL_OUTPUTS = ['kernel.csv', 'factor.csv', 'landmarks.csv', 'spectrum.csv'];

/** A kernel CSV's bytes: about 20 characters an entry (a float64 printed in full, and its comma). */
const BYTES_PER_ENTRY = 20;
/** Above this a kernel CSV is written only with --force. */
export const KERNEL_CSV_LIMIT_BYTES = 1e9;

/** Refuse, before any work, an n×n CSV over 1 GB unless forced; the estimate is said either way. */
export function checkKernelCsvSize(n: number, force: boolean): number {
  const bytes = n * n * BYTES_PER_ENTRY;
  if (bytes > KERNEL_CSV_LIMIT_BYTES && !force) {
    throw new UsageError(
      `kernel.csv for ${n} rows would be about ${formatBytes(bytes)} (${n}×${n} numbers); pass --force to write it anyway, or --rank 1000 for a rank-1000 factor (factor.csv, n×1000), or use fewer rows`,
    );
  }
  return bytes;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(0)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** A matrix as CSV, streamed a row at a time: a header, then each row with its id (1-based, as spectrum.csv). */
async function writeMatrixCsv(path: string, m: Matrix64, columnNames: string[]): Promise<void> {
  const stream = createWriteStream(path);
  const write = (line: string) => (stream.write(`${line}\n`) ? Promise.resolve() : once(stream, 'drain').then(() => undefined));
  await write(['row', ...columnNames].join(','));
  for (let i = 0; i < m.rows; i++) await write(`${i + 1},${Array.from(m.row(i), String).join(',')}`);
  stream.end();
  await finished(stream);
}

/** The low-rank kernel: F (Θ ≈ F Fᵀ) as factor.csv, its landmark rows, and the r eigenvalues of F Fᵀ. */
async function writeFactor(kernel: NetworkKernelFactor, options: KernelOptions, output: Output): Promise<void> {
  const { factor, landmarks, diagonal } = kernel.factor;
  const spectrum = lowRankSpectrum(factor);
  await writeMatrixCsv(join(options.out, 'factor.csv'), factor, Array.from({ length: factor.cols }, (_, j) => `f${j + 1}`));
  await writeFile(join(options.out, 'landmarks.csv'), `landmark,row\n${landmarks.map((row, i) => `${i + 1},${row + 1}`).join('\n')}\n`);
  await writeFile(join(options.out, 'spectrum.csv'), `index,eigenvalue\n${Array.from(spectrum.values, (v, i) => `${i + 1},${v}`).join('\n')}\n`);
  const trace = diagonal.reduce((s, v) => s + v, 0);
  const captured = spectrum.values.reduce((s, v) => s + v, 0);
  output.write(
    table([
      ['kernel', `${kernel.source} NTK on the training scale (1/n), rank-${spectrum.rank} Nyström factor F (${factor.rows}×${factor.cols}, Θ ≈ F Fᵀ) on ${landmarks.length} ${kernel.method} landmark rows, in ${formatNumber(kernel.seconds)} s`],
      ['spectrum', `λ1 = ${formatNumber(spectrum.values[0]!)}, λr = ${formatNumber(spectrum.values[spectrum.rank - 1]!)}; F Fᵀ holds ${formatNumber((100 * captured) / trace, 3)}% of the exact tr Θ = ${formatNumber(trace)}`],
      ['written', `${join(options.out, 'factor.csv')}, landmarks.csv (row numbers of the training rows), spectrum.csv`],
    ]),
  );
}

async function writeKernel(file: string, options: KernelOptions, given: (key: string) => boolean, output: Output): Promise<void> {
  const data = await loadData({ file }, options);
  const n = data.design.train.x.rows;
  const plan = kernelPlan(n, announcedRank(n, options));
  if (plan.kind === 'dense') return writeDense(data, options, given, output);
  await initTensorflow();
  const network = await networkFromOptions(data.design, options, given);
  try {
    const kernel = await networkKernelFactor(network, data.design.train.x, undefined, options.kernel, { rank: plan.rank, landmarks: options.landmarks, seed: parseSeed(options.seed) });
    await writeFactor(kernel, options, output);
  } finally {
    network.dispose();
  }
}

/** The dense kernel: kernel.csv (n×n, refused over 1 GB without --force) and its n eigenvalues. */
async function writeDense({ design }: LoadedData, options: KernelOptions, given: (key: string) => boolean, output: Output): Promise<void> {
  const bytes = checkKernelCsvSize(design.train.x.rows, options.force ?? false);
  await initTensorflow(); // networks are created on the chosen backend
  const network = await networkFromOptions(design, options, given);
  const kernel = await networkKernel(network, design.train.x, undefined, options.kernel).finally(() => network.dispose());
  const computed = eigSym(kernel.theta, { vectors: 'none' }).values;
  // Rounding leaves tiny negative eigenvalues of a PSD kernel: report them clipped at 0, and the most negative seen.
  const values = computed.map((v) => Math.max(v, 0));
  const mostNegative = Math.min(0, ...computed);
  const n = kernel.theta.rows;
  await writeMatrixCsv(join(options.out, 'kernel.csv'), kernel.theta, Array.from({ length: n }, (_, j) => String(j + 1)));
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
