import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalGenerator } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  await (await createProgram({ write: (t) => lines.push(t) })).parseAsync(['node', 'duality', ...args]);
  return lines.join('\n');
}

function writeCsv(rows: number): string {
  const g = normalGenerator(31);
  const lines = ['a,b,c,y'];
  for (let i = 0; i < rows; i++) {
    const [a, b, c] = [g(), g(), g()];
    lines.push(`${a},${b},${c},${Math.sin(a) + b * c + 0.3 * g()}`);
  }
  const path = join(mkdtempSync(join(tmpdir(), 'duality-lowrank-')), 'data.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('--rank: the low-rank (Nyström) kernel', () => {
  it('analyze reports the rank, the landmarks and the trace it holds, and agrees with the dense kernel', async () => {
    const csv = writeCsv(400);
    const common = ['analyze', csv, '--target', 'y', '--kernel', 'analytic', '--json', '--quiet'];
    const dense = JSON.parse(await run([...common, '--rank', 'full']));
    const low = JSON.parse(await run([...common, '--rank', '150', '--landmarks', 'uniform']));
    expect(dense.kernel.lowRank).toBeUndefined();
    expect(low.kernel.lowRank).toMatchObject({ landmarks: 150, method: 'uniform', remainder: 'zero' });
    expect(low.kernel.lowRank.traceCaptured).toBeGreaterThan(0.9);
    expect(Math.abs(low.test.logP / dense.test.logP - 1)).toBeLessThan(0.05);
    // REML's stop: GCV and LOO have two near-equal minima on these data, which any perturbation may swap.
    expect(Math.abs(low.reml.time / dense.reml.time - 1)).toBeLessThan(0.02);
    expect(Math.abs(low.predictedTestLoss.reml / dense.predictedTestLoss.reml - 1)).toBeLessThan(0.01);
    await expect(run([...common, '--rank', 'some'])).rejects.toThrow(/--rank must be 'auto', 'full' or a positive integer/);
  });

  it('kernel writes the n×r factor, its landmark rows and its spectrum instead of an n×n CSV', async () => {
    const csv = writeCsv(200);
    const out = join(mkdtempSync(join(tmpdir(), 'duality-lowrank-')), 'k');
    await run(['kernel', csv, '--target', 'y', '--kernel', 'analytic', '--rank', '40', '--out', out]);
    const factor = readFileSync(join(out, 'factor.csv'), 'utf8').trim().split('\n');
    expect(factor).toHaveLength(201);
    expect(factor[0]!.split(',')).toHaveLength(41);
    expect(readFileSync(join(out, 'landmarks.csv'), 'utf8').trim().split('\n')).toHaveLength(41);
    const values = readFileSync(join(out, 'spectrum.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    expect(values.length).toBeLessThanOrEqual(40);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
  });
});
