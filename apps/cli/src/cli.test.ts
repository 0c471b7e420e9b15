import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CommanderError } from 'commander';
import { uniformGenerator } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { checkKernelCsvSize, KERNEL_CSV_LIMIT_BYTES } from './commands/kernel.js';
import { createProgram } from './program.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'duality-cli-'));
}

/** A small regression table: y = sin(a) + b/2 + noise, plus a text column. */
function writeCsv(dir: string, rows = 50): string {
  const u = uniformGenerator(12345);
  const lines = ['a,b,kind,y'];
  for (let i = 0; i < rows; i++) {
    const a = 4 * u() - 2;
    const b = 4 * u() - 2;
    lines.push(`${a},${b},${u() < 0.5 ? 'x' : 'z'},${Math.sin(a) + b / 2 + 0.2 * (u() - 0.5)}`);
  }
  const path = join(dir, 'data.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  try {
    await (await createProgram({ write: (t) => lines.push(t) })).parseAsync(['node', 'duality', ...args]);
  } catch (err) {
    // --help and --version end through commander's exit override with code 0, after writing their text.
    if (!(err instanceof CommanderError && err.exitCode === 0)) throw err;
  }
  return lines.join('\n');
}

describe('duality analyze', () => {
  it('gives the exact test, the decision and t̂ in time and steps', async () => {
    const csv = writeCsv(tempDir());
    const s = JSON.parse(await run(['analyze', csv, '--target', 'y', '--hidden', '32', '--json', '--learning-rate', '0.001']));
    expect(s.data.features).toEqual(['a', 'b', 'kind=x', 'kind=z']); // text one-hot encoded by default
    expect(s.data.columnsUsed).toEqual(['a', 'b', 'kind']);
    expect(s.test.p).toBeGreaterThanOrEqual(0);
    expect(s.test.p).toBeLessThan(1e-3);
    expect(s.decision.train).toBe(true);
    expect(s.reml.steps).toBe(Math.round(s.reml.time / 0.001));
  });

  it('takes fixed effects by column name, and names a wrong one', async () => {
    const csv = writeCsv(tempDir());
    const s = JSON.parse(await run(['analyze', csv, '--target', 'y', '--hidden', '16', '--json', '--fixed-effects', 'b']));
    expect(s.test.p).toBeLessThan(0.05);
    await expect(run(['analyze', csv, '--target', 'y', '--fixed-effects', 'c'])).rejects.toThrow(/'c' is not a feature column; choose from a, b/);
  });
});

describe('duality train', () => {
  it('writes the report and the model, and never overwrites a folder with files in it', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 40);
    const out = join(dir, 'out');
    const args = ['train', csv, '--target', 'y', '--features', 'a,b,kind', '--hidden', '16', '--max-steps', '60', '--out', out, '--json'];
    const printed = JSON.parse(await run(args));
    const report = JSON.parse(readFileSync(printed.report, 'utf8'));
    expect(report.data).toMatchObject({ nTrain: 32, nTest: 8, inputDim: 4 });
    for (const f of ['report.html', 'curves.csv', 'stops.csv', 'model/model.json', 'model/weights.bin']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    // The report's key-value rows: each label once, written in sentence case.
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const labels = [...html.matchAll(/<tr><th>([^<]+)<\/th><td>/g)].map((m) => m[1]!);
    expect(labels.length).toBeGreaterThan(10);
    expect(new Set(labels.map((l) => l.toLowerCase())).size).toBe(labels.length);
    for (const label of labels) expect(label[0]).toBe(label[0]!.toUpperCase());
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(run(args)).rejects.toThrow(/is not empty.*--force/);
    await run([...args, '--force']);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('prints which model each number is of, in the target’s units, with the interval and a capped stop marked', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 40);
    const text = await run(['train', csv, '--target', 'y', '--hidden', '16', '--max-steps', '3', '--out', join(dir, 'out'), '--quiet']);
    expect(text).toMatch(/network \(trained to the rule’s stop\)\s+test RMSE [\d.e-]+, MAE [\d.e-]+, R² [−\d.e-]+; train RMSE .*\(target units\)/);
    expect(text).toMatch(/kernel model \(the linearised prediction\)\s+test RMSE /);
    expect(text).toMatch(/prediction interval\s+90%: network prediction ± [\d.]+ \(target units\), covers [\d.]+% of 8 test rows/);
    expect(text).toMatch(/decision\s+trained ≥ 3 steps, the cap/);
    expect(text).toMatch(/loo ≥ 3 \(the cap\) \(test half MSE: network [\d.e-]+, kernel model [\d.e-]+\)/);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.interval).toMatchObject({ level: 0.9, testRows: 8 });
  });

  it('leaves nothing behind when a run fails', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 40);
    const out = join(dir, 'failed');
    await expect(run(['train', csv, '--target', 'y', '--out', out, '--compare', 'validation,everything'])).rejects.toThrow(
      /--compare: unknown comparator 'everything'; use none or a list of validation, horizon/,
    );
    await expect(run(['train', csv, '--target', 'y', '--out', out, '--alpha', '2'])).rejects.toThrow(/--alpha must be in \(0, 1\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses, before any work, an --out it cannot make and a --force that would hit the user\'s files', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 30);
    const base = ['train', csv, '--target', 'y', '--hidden', '8', '--max-steps', '5'];
    writeFileSync(join(dir, 'afile'), 'mine');
    await expect(run([...base, '--out', join(dir, 'afile', 'sub')])).rejects.toThrow(/a part of that path is a file; choose another --out/);
    // --force into the folder holding the data: the data file's name is one Duality writes.
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'curves.csv'), readFileSync(csv, 'utf8'));
    await expect(run(['train', join(project, 'curves.csv'), '--target', 'y', '--out', project, '--force'])).rejects.toThrow(/would overwrite your input .*curves\.csv/);
    // A --model given as its folder, inside --out: its model.json and weights are the user's too.
    await run(['train', csv, '--target', 'y', '--hidden', '8', '--max-steps', '5', '--out', join(dir, 'first'), '--quiet']);
    const withModel = ['train', csv, '--target', 'y', '--max-steps', '5', '--model', join(dir, 'first', 'model')];
    await expect(run([...withModel, '--out', join(dir, 'first'), '--force'])).rejects.toThrow(/would overwrite your input .*model\.json/);
    writeFileSync(join(project, 'model'), 'mine');
    await expect(run([...base, '--out', project, '--force'])).rejects.toThrow(/model is a file where Duality writes a folder/);
    expect(readFileSync(join(project, 'model'), 'utf8')).toBe('mine');
    // Nested new folders are all removed when the run fails.
    await expect(run([...base, '--out', join(dir, 'new', 'deeper'), '--alpha', '2'])).rejects.toThrow(/--alpha/);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('refuses a network too large for the machine, a learning rate too small to train, and an empty --features', async () => {
    const csv = writeCsv(tempDir(), 30);
    await expect(run(['analyze', csv, '--target', 'y', '--features', ''])).rejects.toThrow(/--features names no column; .*a, b, kind, y/);
    await expect(run(['analyze', csv, '--target', 'y', '--hidden', '1000000000'])).rejects.toThrow(/more than 60% of this machine's .* GB; use narrower layers/);
    await expect(run(['analyze', csv, '--target', 'y', '--hidden', '8', '--learning-rate', '1e-300'])).rejects.toThrow(/too small for this kernel/);
  });

  it('runs the demo on the bundled cars data', async () => {
    const out = join(tempDir(), 'demo');
    const text = await run(['demo', '--out', out, '--hidden', '8,8', '--max-steps', '40', '--compare', 'none']);
    expect(text).toMatch(/decision/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    // Cylinders … Acceleration, the model year as a number, Origin one-hot (3); the name skipped with why.
    expect(report.data.inputDim).toBe(9);
    expect(report.table.columnsSkipped).toEqual([{ column: 'Name', reason: expect.stringMatching(/distinct values, more than the one-hot limit/) }]);
    expect(report.table.missing.imputed).toEqual([{ column: 'Horsepower', train: expect.any(Number), test: expect.any(Number) }]);
    expect(report.test.p).toBeLessThan(0.05);
  });
});

describe('duality train, then duality predict', () => {
  /** The table with some feature cells blanked and, for the rows to answer, the target column dropped. */
  function withGaps(path: string, dropTarget: boolean): string {
    const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
    const keep = (cells: string[]) => (dropTarget ? cells.slice(0, 3) : cells);
    const lines = [keep(header!.split(',')), ...rows.map((r, i) => keep(r.split(',').map((c, j) => (j === 0 && i % 5 === 2 ? '' : c))))];
    const out = path.replace(/\.csv$/, dropTarget ? '-new.csv' : '-gaps.csv');
    writeFileSync(out, `${lines.map((l) => l.join(',')).join('\n')}\n`);
    return out;
  }

  it('trains on a table with gaps, then answers new rows in the target units with the interval, keeping their order', async () => {
    const dir = tempDir();
    const data = writeCsv(dir, 60);
    const text = await run(['train', withGaps(data, false), '--target', 'y', '--out', join(dir, 'run'), '--hidden', '8,8', '--max-steps', '40']);
    expect(text).toMatch(/imputed +\d+ missing cells? filled with the training rows' median: a \d+/);
    const description = JSON.parse(readFileSync(join(dir, 'run', 'model', 'duality-model.json'), 'utf8'));
    expect(description.preprocessing.inputs.map((c: { name: string }) => c.name)).toEqual(['a', 'b', 'kind']);
    await run(['predict', join(dir, 'run', 'model'), withGaps(data, true), '--out', join(dir, 'answers.csv'), '--quiet']);
    const [header, ...rows] = readFileSync(join(dir, 'answers.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('row,y,lower,upper');
    expect(rows.map((r) => Number(r.split(',')[0]))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const r of rows) {
      const [, y, lower, upper] = r.split(',').map(Number);
      expect(lower! < y! && y! < upper!).toBe(true);
    }
    await expect(run(['predict', join(dir, 'run', 'model'), withGaps(data, true), '--out', join(dir, 'answers.csv')])).rejects.toThrow(/exists; choose another --out, or add --force/);
    writeFileSync(join(dir, 'no-b.csv'), 'a,kind\n1,x\n2,z\n');
    await expect(run(['predict', join(dir, 'run', 'model'), join(dir, 'no-b.csv')])).rejects.toThrow(/has no column 'b' \(a feature the model was trained on\)/);
    await expect(run(['predict', dir, data])).rejects.toThrow(/has no duality-model\.json/);
    await expect(run(['predict', join(dir, 'run', 'model'), data, '--interval', '0.8'])).rejects.toThrow(/stores the 0\.9 interval/);
  });

  it('runs the demo twice: the second run replaces its own earlier output', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const args = ['demo', '--hidden', '8,8', '--max-steps', '20', '--compare', 'none', '--quiet'];
      await run(args);
      await run(args);
      expect(existsSync(join(dir, 'duality-demo', 'model', 'duality-model.json'))).toBe(true);
      writeFileSync(join(dir, 'duality-demo', 'notes.txt'), 'mine');
      await run(args);
      expect(readFileSync(join(dir, 'duality-demo', 'notes.txt'), 'utf8')).toBe('mine');
      expect(existsSync(join(dir, 'duality-demo-2', 'report.json'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('duality kernel', () => {
  it('writes a symmetric n×n kernel and its descending spectrum', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, 20);
    const printed = await run(['kernel', csv, '--target', 'y', '--hidden', '16', '--out', join(dir, 'k')]);
    const [header, ...lines] = readFileSync(join(dir, 'k', 'kernel.csv'), 'utf8').trim().split('\n');
    expect(header).toBe(['row', ...Array.from({ length: 20 }, (_, j) => j + 1)].join(','));
    expect(lines.map((l) => l.split(',')[0])).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    const rows = lines.map((r) => r.split(',').slice(1).map(Number));
    expect(rows).toHaveLength(20);
    expect(printed).toMatch(/kernel\.csv \(about 8 kB\)/);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) expect(rows[i]![j]).toBeCloseTo(rows[j]![i]!, 12);
    const spectrum = readFileSync(join(dir, 'k', 'spectrum.csv'), 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',')[1]));
    expect(Math.min(...spectrum)).toBeGreaterThanOrEqual(0); // clipped: a PSD kernel prints no negative eigenvalue
    for (let i = 1; i < spectrum.length; i++) expect(spectrum[i]!).toBeLessThanOrEqual(spectrum[i - 1]!);
    const trace = rows.reduce((s, r, i) => s + r[i]!, 0);
    expect(spectrum.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 8);
  });
});

describe('duality kernel size', () => {
  it('refuses an n×n CSV over 1 GB before any work unless --force, naming the size', () => {
    expect(() => checkKernelCsvSize(8000, false)).toThrow(/about 1\.3 GB \(8000×8000 numbers\); pass --force/);
    expect(checkKernelCsvSize(8000, true)).toBeGreaterThan(KERNEL_CSV_LIMIT_BYTES);
    expect(checkKernelCsvSize(100, false)).toBeLessThan(KERNEL_CSV_LIMIT_BYTES);
  });
});

describe('duality explain', () => {
  it('explains every quantity the commands print, in two lines each', async () => {
    const text = await run(['explain']);
    const terms = ['p-value (exact)', 'REML t̂', 'outcome', 'loo', 'gcv', 'oracle', 'edf(t̂)', 'σ̂²(t̂)', 'initial output', 'fixed effects', 'kernel drift'];
    const numbers = ['alternatives', '≥ N steps, the cap', 'network, kernel model', 'RMSE, MAE', 'R²', 'accuracy, log-loss', 'confusion table', 'prediction interval', 'coverage'];
    for (const term of [...terms, ...numbers]) {
      expect(text).toContain(`${term}\n  `);
    }
    for (const block of text.split('\n\n')) expect(block.split('\n')).toHaveLength(3);
  });
});

describe('duality --version and analyze wording', () => {
  it('prints the package version', async () => {
    const version = JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).version;
    expect((await run(['--version'])).trim()).toBe(version);
  });

  it('says steps, as train does, not epochs', async () => {
    const text = await run(['analyze', writeCsv(tempDir()), '--target', 'y', '--hidden', '16', '--quiet']);
    expect(text).toMatch(/= [\d,]+ steps at η/);
    expect(text).not.toMatch(/epoch/);
  });
});

describe('the duality process', () => {
  it('prints one line and exits 2 on bad input, with no stack trace', async () => {
    const cmd = ['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/cli/src/main.ts')];
    const result = await promisify(execFile)('node', [...cmd, 'analyze', '/no/such/file.csv', '--target', 'y'], { cwd: root }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect('code' in result && result.code).toBe(2);
    const stderr = (result as { stderr: string }).stderr.trim();
    expect(stderr).toBe('duality: no such file: /no/such/file.csv; check the path');
  }, 60_000);

  it('ends quietly when the reader closes the pipe early (duality explain | head -1)', async () => {
    const cmd = ['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/cli/src/main.ts'), 'explain'];
    const result = await promisify(execFile)('bash', ['-c', `node ${cmd.map((a) => `'${a}'`).join(' ')} | head -1`], { cwd: root });
    expect(result.stdout.trim()).toBe('p-value (exact)');
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
  }, 60_000);
});
