import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spectrumChart } from './charts.js';
import { fixtureReport, type FixtureScenario } from './test-fixture.js';
import { curvesCsv, renderReportHtml, stopsCsv, writeReport } from './index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'duality-report-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** RFC 4180 rows (quoted cells may hold commas and doubled quotes; no line breaks inside cells here). */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted && c === '"' && line[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') {
          quoted = !quoted;
        } else if (c === ',' && !quoted) {
          cells.push(cell);
          cell = '';
        } else {
          cell += c;
        }
      }
      return [...cells, cell];
    });
}

/** The first "NaN"/"Infinity"/"undefined" in the page with some context (undefined when there is none). */
function nonFiniteText(html: string): string | undefined {
  return /.{0,120}(?:NaN|Infinity|undefined).{0,60}/.exec(html)?.[0];
}

const scenarios: FixtureScenario[] = ['train', 'no-test', 'do-not-train', 'infinite-time'];

describe('writeReport', () => {
  it('writes report.json, curves.csv, stops.csv and report.html into a new folder', async () => {
    const dir = join(root, 'new', 'nested');
    const report = fixtureReport('train');
    const paths = await writeReport(dir, report, { title: 'Cars', extra: { target: 'Miles_per_Gallon', seed: 1 } });
    expect(Object.values(paths).map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'curves.csv',
      'report.html',
      'report.json',
      'stops.csv',
    ]);
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as Record<string, unknown>;
    const { run, ...fields } = json;
    expect(run).toEqual({ target: 'Miles_per_Gallon', seed: 1 });
    expect(fields).toEqual(JSON.parse(JSON.stringify(report)));
    const html = await readFile(paths.html, 'utf8');
    expect(html).toContain('<title>Cars</title>');
    expect(html).toContain('Miles_per_Gallon');
  });

  it('writes t̂ = ∞ as null in report.json, beside the outcome that says so', async () => {
    const report = fixtureReport('infinite-time');
    expect(report.reml.time).toBe(Infinity);
    const paths = await writeReport(join(root, 'infinite'), report);
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as { reml: { time: unknown; steps: unknown; outcome: string } };
    expect(json.reml).toMatchObject({ time: null, steps: null, outcome: 'infinite' });
  });

  it('refuses a folder with files in it unless forced, and never touches the files that are not its own', async () => {
    const dir = join(root, 'occupied');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refusal = writeReport(dir, fixtureReport('train'));
    await expect(refusal).rejects.toMatchObject({ name: 'UsageError' });
    const message = await refusal.catch((err: Error) => err.message);
    expect(message).toContain(dir);
    expect(message).toContain('--force');
    expect(message).not.toContain('\n');
    await expect(readFile(join(dir, 'report.json'))).rejects.toThrow();

    const paths = await writeReport(dir, fixtureReport('train'), { force: true });
    await writeReport(dir, fixtureReport('no-test'), { force: true });
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toMatchObject({ data: { nTest: 0 } });
  });

  it('accepts an existing empty folder and refuses a path that is a file', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(writeReport(empty, fixtureReport('train'))).resolves.toBeDefined();
    const file = join(root, 'a-file');
    await writeFile(file, '');
    await expect(writeReport(file, fixtureReport('train'), { force: true })).rejects.toMatchObject({ name: 'UsageError' });
  });
});

describe('curves.csv and stops.csv', () => {
  it('have one row per curve point with the values of the report, and a fixed header', () => {
    const report = fixtureReport('train');
    const rows = parseCsv(curvesCsv(report));
    expect(rows[0]).toEqual(['step', 'time', 'trainLoss', 'testLoss', 'kernelTrainLoss', 'kernelTestLoss']);
    expect(rows.length).toBe(report.curves.length + 1);
    report.curves.forEach((point, i) => {
      expect(rows[i + 1]!.map(Number)).toEqual([
        point.step,
        point.time,
        point.trainLoss,
        point.testLoss,
        point.kernelTrainLoss,
        point.kernelTestLoss,
      ]);
    });
  });

  it('leave the test cells empty without test data', () => {
    const rows = parseCsv(curvesCsv(fixtureReport('no-test')));
    expect(rows[0]!.length).toBe(6);
    for (const row of rows.slice(1)) {
      expect(row.length).toBe(6);
      expect([row[3], row[5]]).toEqual(['', '']);
      expect(Number(row[2])).toBeGreaterThan(0);
    }
  });

  it('quote notes that hold commas, one row per stop', () => {
    const report = fixtureReport('train');
    report.stops[0]!.note = 'he said "stop, now"';
    const rows = parseCsv(stopsCsv(report));
    expect(rows[0]).toEqual(['rule', 'steps', 'time', 'testLoss', 'kernelTestLoss', 'note']);
    expect(rows.slice(1).map((row) => [row[0], Number(row[1]), row[5]])).toEqual(
      report.stops.map((stop) => [stop.rule, stop.steps, stop.note]),
    );
  });
});

describe('report.html', () => {
  it.each(scenarios)('is self-contained and NaN-free, with the four figures (%s)', async (scenario) => {
    const report = fixtureReport(scenario);
    const html = await renderReportHtml(report);
    expect(nonFiniteText(html)).toBeUndefined();
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|href="http|url\(http|@import/i);
    for (const id of ['loss-curves', 'reml', 'spectrum', 'spectral-losses']) expect(html).toContain(`<figure id="${id}">`);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain(report.decision.train ? 'Train: ' : 'Do not train');
  });

  it('says which stops and test curves are missing without test data', async () => {
    const html = await renderReportHtml(fixtureReport('no-test'));
    expect(html).toContain('No test data');
    expect(html).not.toContain('oracle (test set)');
    expect(html).not.toContain('Test loss (network)');
  });

  it('explains t̂ = 0 and t̂ = ∞ instead of plotting them', async () => {
    expect(await renderReportHtml(fixtureReport('do-not-train'))).toContain('t̂ = 0: the likelihood is largest at t = 0');
    const infinite = await renderReportHtml(fixtureReport('infinite-time'));
    expect(infinite).toContain('t̂ = ∞ (capped at 20,000 steps)');
    // Every spectral loss is 0 at t̂ = ∞: no plot, a sentence instead.
    expect(infinite).toMatch(/<figure id="spectral-losses">(?:(?!<svg)[\s\S])*?<\/figure>/);
  });

  it('drops non-finite and non-positive values from log axes and says how many', async () => {
    const report = fixtureReport('train');
    report.curves[3]!.trainLoss = Number.NaN;
    report.curves[4]!.kernelTrainLoss = 0;
    report.decorrelation[0]!.psi = Infinity;
    const html = await renderReportHtml(report);
    expect(nonFiniteText(html)).toBeUndefined();
    expect(html).toContain('2 loss values are not shown');
    expect(html).toContain('1 Ψ value is not shown');
  });

  it('survives a report with no curves and no profile', async () => {
    const report = { ...fixtureReport('do-not-train'), curves: [], decorrelation: [] };
    report.reml = { ...report.reml, profile: [] };
    const html = await renderReportHtml(report);
    expect(html).toContain('No loss curves were recorded.');
    expect(html).toContain('No profile likelihood was recorded.');
    expect(nonFiniteText(html)).toBeUndefined();
  });
});

describe('spectrum chart', () => {
  it('draws the stability line 2/η only when it is near the spectrum', () => {
    const report = fixtureReport('train');
    expect(JSON.stringify(spectrumChart(report).spec)).not.toContain('2/η');
    report.learningRate = 1;
    expect(JSON.stringify(spectrumChart(report).spec)).toContain('2/η = 2: GD diverges above');
  });
});
