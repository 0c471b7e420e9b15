import { backendInfo, type BackendInfo } from '@duality/linalg-core';
import { initTensorflow } from '@duality/ntk';
import type { Command } from 'commander';
import type { Output } from '../output.js';

export interface EnvironmentInfo {
  node: string;
  linalg: BackendInfo;
  tensorflow: { backend: string; reason: string };
}

/** Which linear-algebra and TensorFlow.js backends this process selected, and why. */
export async function environmentInfo(): Promise<EnvironmentInfo> {
  return { node: process.version, linalg: backendInfo(), tensorflow: await initTensorflow() };
}

export function registerInfo(program: Command, output: Output): void {
  program
    .command('info')
    .description('report the linear-algebra and TensorFlow.js backends selected, and why')
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
        ].join('\n'),
      );
    });
}
