import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { availableBackends } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function info(args: string[]): Promise<string> {
  const lines: string[] = [];
  await (await createProgram({ write: (t) => lines.push(t) })).parseAsync(['node', 'duality', 'info', ...args]);
  return lines.join('\n');
}

/** Runs `duality info` in a fresh process with `env` added; its exit code and stderr. */
async function infoProcess(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const args = ['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/cli/src/main.ts'), 'info'];
  return promisify(execFile)('node', args, { cwd: root, env: { ...process.env, ...env } }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

describe('duality info', () => {
  it('reports the backend each setting asks for, auto preferring native LAPACK when it loads', async () => {
    const report = JSON.parse(await info(['--json']));
    expect(report.node).toBe(process.version);
    const asked = process.env.DUALITY_LINALG;
    const expected = asked === 'ts' || asked === 'lapack' ? asked : availableBackends()[0];
    expect(report.linalg.name).toBe(expected);
    expect(report.linalg.reason).toMatch(/\w/);
    if (report.linalg.name === 'lapack') expect(report.linalg.libraries.length).toBeGreaterThan(0);
    expect(['tensorflow', 'blas', 'wasm', 'cpu']).toContain(report.tensorflow.backend);
    expect(report.tensorflow.reason).toMatch(/\w/);
  });

  it('prints the same facts as text, one line each', async () => {
    const report = JSON.parse(await info(['--json']));
    const lines = (await info([])).split('\n');
    expect(lines).toEqual([
      `node            ${report.node}`,
      `linear algebra  ${report.linalg.name}: ${report.linalg.reason}`,
      `tensorflow.js   ${report.tensorflow.backend}: ${report.tensorflow.reason}`,
      `table reader    ${report.reader.name} ${report.reader.version}`,
    ]);
    expect(report.reader.version).toMatch(/^v?\d+\.\d+\.\d+/);
  });

  it('refuses a bogus DUALITY_TFJS or DUALITY_LINALG with one line naming the valid values, exit code 2', async () => {
    const [tfjs, linalg] = await Promise.all([
      infoProcess({ DUALITY_TFJS: 'bogus' }),
      infoProcess({ DUALITY_LINALG: 'bogus' }),
    ]);
    expect(tfjs).toEqual({
      code: 2,
      stderr: 'duality: DUALITY_TFJS=bogus is not valid; use one of auto|node|blas|wasm|cpu, or unset it for the default\n',
    });
    expect(linalg).toEqual({
      code: 2,
      stderr: 'duality: DUALITY_LINALG=bogus is not valid; use one of auto|lapack|ts, or unset it for the default\n',
    });
  }, 60_000);
});
