import { backendInfo, type BackendInfo } from '@duality/linalg-core';
import { initTensorflow } from '@duality/ntk';
import { readerInfo } from '@duality/tabular';
import type { Command } from 'commander';
import type { Output } from '../output.js';
import { describe } from '../catalogue.js';

export interface EnvironmentInfo {
  node: string;
  linalg: BackendInfo;
  tensorflow: { backend: string; reason: string };
  /** The table reader and its version, or why it cannot load. */
  reader: { name: string; version?: string; problem?: string };
}

async function reader(): Promise<EnvironmentInfo['reader']> {
  return readerInfo().catch((err: unknown) => ({ name: 'DuckDB (@duckdb/node-api)', problem: (err as Error).message }));
}

/** Which linear-algebra and TensorFlow.js backends this process selected, and why. */
export async function environmentInfo(): Promise<EnvironmentInfo> {
  return { node: process.version, linalg: backendInfo(), tensorflow: await initTensorflow(), reader: await reader() };
}

export function registerInfo(program: Command, output: Output): void {
  program
    .command('info')
    .description(describe('info'))
    .option('--json', 'print JSON instead of text')
    .action(async (options: { json?: boolean }) => {
      const info = await environmentInfo();
      if (options.json) {
        output.write(JSON.stringify(info, null, 2));
        return;
      }
      output.write(
        [
          `node            ${info.node}`,
          `linear algebra  ${info.linalg.name}: ${info.linalg.reason}`,
          `tensorflow.js   ${info.tensorflow.backend}: ${info.tensorflow.reason}`,
          `table reader    ${info.reader.name} ${info.reader.version ?? `unavailable: ${info.reader.problem}`}`,
        ].join('\n'),
      );
    });
}
