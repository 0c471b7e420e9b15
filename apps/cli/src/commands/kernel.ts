import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initTensorflow } from '@duality/ntk';
import { networkKernel } from '@duality/trainer';
import { eigSym } from '@duality/linalg-core';
import { Option, type Command } from 'commander';
import type { Output } from '../output.js';
import { inOutputFolder } from '../report/index.js';
import { formatNumber } from '../report/format.js';
import { table } from './format.js';
import { addDataOptions, addNetworkOptions, loadData, networkFromOptions, type DataOptions, type NetworkOptions } from './inputs.js';

type KernelOptions = DataOptions & NetworkOptions & { kernel: 'empirical' | 'analytic'; out: string; force?: boolean };

export function registerKernel(program: Command, output: Output): void {
  const command = program
    .command('kernel')
    .description('write the NTK of the training rows (Θ = J Jᵀ/n, kernel.csv) and its spectrum (spectrum.csv)')
    .argument('<file>', 'a CSV/TSV file with a header, or a JSON array of records')
    .requiredOption('--out <dir>', 'folder to write into (must be new or empty)')
    .option('--force', 'write into a folder that already has files (ours are overwritten)')
    .addOption(new Option('--kernel <source>', 'the network’s own NTK or its infinite-width limit').choices(['empirical', 'analytic']).default('empirical'));
  addDataOptions(command, { testFraction: '0' });
  addNetworkOptions(command);
  command.action((file: string, options: KernelOptions) => inOutputFolder(options.out, options.force ?? false, () => writeKernel(file, options, output)));
}

async function writeKernel(file: string, options: KernelOptions, output: Output): Promise<void> {
  const { design } = loadData({ file }, options);
  await initTensorflow(); // networks are created on the chosen backend
  const network = networkFromOptions(design.train.x.cols, options);
  const kernel = await networkKernel(network, design.train.x, undefined, options.kernel);
  network.dispose();
  const values = eigSym(kernel.theta, { vectors: 'none' }).values;
  const n = kernel.theta.rows;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(kernel.theta.row(i), String).join(','));
  await writeFile(join(options.out, 'kernel.csv'), `${rows.join('\n')}\n`);
  await writeFile(join(options.out, 'spectrum.csv'), `index,eigenvalue\n${Array.from(values, (v, i) => `${i + 1},${v}`).join('\n')}\n`);
  const trace = values.reduce((s, v) => s + v, 0);
  output.write(
    table([
      ['kernel', `${kernel.source} NTK on the training scale (1/n), ${n}×${n}, in ${formatNumber(kernel.seconds)} s`],
      ['spectrum', `λ1 = ${formatNumber(values[0]!)}, λn = ${formatNumber(values[n - 1]!)}, tr Θ = ${formatNumber(trace)}`],
      ['written', `${join(options.out, 'kernel.csv')}, ${join(options.out, 'spectrum.csv')}`],
    ]),
  );
}
