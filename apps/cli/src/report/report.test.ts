import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spectrumChart } from './charts.js';
import { FIXTURE_MAX_STEPS_CAPPED, fixtureReport, type FixtureScenario } from './test-fixture.js';
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

/** The parts of report.json these tests read. */
interface TwoStageReportJson {
  stoppingRules: { rules: Record<string, { capped: boolean; stopSteps: number; steps: number }> };
  decision: Record<string, unknown>;
  stops: { rule: string; steps: number; capped?: boolean }[];
  metrics: { units: string; network: { label: string }; kernel: { label: string } };
  interval: { level: number; halfWidth: number; halfWidthStandardised: number; testRows: number };
}

/** The first "NaN"/"Infinity"/"undefined" in the page with some context (undefined when there is none). */
function nonFiniteText(html: string): string | undefined {
  return /.{0,120}(?:NaN|Infinity|undefined).{0,60}/.exec(html)?.[0];
}

const scenarios: FixtureScenario[] = ['train', 'no-test', 'do-not-train', 'capped', 'classes'];

describe('writeReport', () => {
  it('writes report.json, curves.csv, stops.csv and report.html into a new folder', async () => {
    const dir = join(root, 'new', 'nested');
    const report = await fixtureReport('train');
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

  it('writes a capped stop as the cap, marked, with the rule’s own stop beside it; non-finite numbers as null', async () => {
    const report = await fixtureReport('capped');
    const paths = await writeReport(join(root, 'capped'), report);
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as TwoStageReportJson;
    const loo = json.stoppingRules.rules.loo!;
    expect(loo).toMatchObject({ capped: true, stopSteps: FIXTURE_MAX_STEPS_CAPPED });
    expect(loo.steps).toBeGreaterThan(FIXTURE_MAX_STEPS_CAPPED);
    expect(json.decision).toMatchObject({ steps: FIXTURE_MAX_STEPS_CAPPED, cappedAt: FIXTURE_MAX_STEPS_CAPPED });
    expect(json.stops.find((s) => s.rule === 'loo')).toMatchObject({ steps: FIXTURE_MAX_STEPS_CAPPED, capped: true });
    const infinite = { ...report, reml: { ...report.reml, time: Infinity, steps: Infinity } };
    expect(JSON.parse(await readFile((await writeReport(join(root, 'infinite'), infinite)).json, 'utf8')).reml).toMatchObject({ time: null, steps: null });
  });

  it('stores the numbers in target units and the interval the saved model needs', async () => {
    const report = await fixtureReport('train');
    const json = JSON.parse(await readFile((await writeReport(join(root, 'numbers'), report)).json, 'utf8')) as TwoStageReportJson;
    expect(json.metrics.units).toBe('target units');
    expect(json.metrics.network.label).toBe('network (trained to the rule’s stop)');
    expect(json.metrics.kernel.label).toBe('kernel model (the linearised prediction)');
    expect(json.interval).toMatchObject({ level: 0.9, testRows: report.data.nTest });
    expect(json.interval.halfWidth).toBeCloseTo(5 * json.interval.halfWidthStandardised, 12);
  });

  it('refuses a folder with files in it unless forced, and never touches the files that are not its own', async () => {
    const dir = join(root, 'occupied');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refusal = writeReport(dir, await fixtureReport('train'));
    await expect(refusal).rejects.toMatchObject({ name: 'UsageError' });
    const message = await refusal.catch((err: Error) => err.message);
    expect(message).toContain(dir);
    expect(message).toContain('--force');
    expect(message).not.toContain('\n');
    await expect(readFile(join(dir, 'report.json'))).rejects.toThrow();

    const paths = await writeReport(dir, await fixtureReport('train'), { force: true });
    await writeReport(dir, await fixtureReport('no-test'), { force: true });
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toMatchObject({ data: { nTest: 0 } });
  });

  it('accepts an existing empty folder and refuses a path that is a file', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(writeReport(empty, await fixtureReport('train'))).resolves.toBeDefined();
    const file = join(root, 'a-file');
    await writeFile(file, '');
    await expect(writeReport(file, await fixtureReport('train'), { force: true })).rejects.toMatchObject({ name: 'UsageError' });
  });
});

describe('curves.csv and stops.csv', () => {
  it('have one row per curve point with the values of the report, and a fixed header', async () => {
    const report = await fixtureReport('train');
    const rows = parseCsv(curvesCsv(report));
    expect(rows[0]).toEqual(['step', 'time', 'trainLoss', 'testLoss', 'kernelTrainLoss', 'kernelTestLoss', 'looLoss']);
    expect(rows.length).toBe(report.curves.length + 1);
    const cell = (x: number | undefined) => (x === undefined ? '' : String(x));
    report.curves.forEach((point, i) => {
      expect(rows[i + 1]).toEqual([point.step, point.time, point.trainLoss, point.testLoss, point.kernelTrainLoss, point.kernelTestLoss, point.looLoss].map(cell));
    });
    // The network is measured up to its stop only; the kernel model's curves go on.
    expect(rows.slice(1).some((row) => row[2] === '' && row[4] !== '')).toBe(true);
  });

  it('leave the test cells empty without test data', async () => {
    const rows = parseCsv(curvesCsv(await fixtureReport('no-test')));
    expect(rows[0]!.length).toBe(7);
    for (const row of rows.slice(1)) {
      expect(row.length).toBe(7);
      expect([row[3], row[5]]).toEqual(['', '']);
      expect(Number(row[4])).toBeGreaterThan(0);
    }
  });

  it('quote notes that hold commas, one row per stop', async () => {
    const report = await fixtureReport('train');
    report.stops[0]!.note = 'he said "stop, now"';
    const rows = parseCsv(stopsCsv(report));
    expect(rows[0]).toEqual(['rule', 'steps', 'capped', 'time', 'testLoss', 'kernelTestLoss', 'note']);
    expect(rows.slice(1).map((row) => [row[0], Number(row[1]), row[6]])).toEqual(
      report.stops.map((stop) => [stop.rule, stop.steps, stop.note]),
    );
  });
});

describe('report.html', () => {
  it.each(scenarios)('is self-contained and NaN-free, with the rule’s story first (%s)', async (scenario) => {
    const report = await fixtureReport(scenario);
    const html = await renderReportHtml(report);
    expect(nonFiniteText(html)).toBeUndefined();
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|href="http|url\(http|@import/i);
    const figures = [...html.matchAll(/<figure id="([^"]+)">/g)].map((m) => m[1]);
    expect(figures).toEqual(['rule', 'loss-curves', 'reml', 'spectrum', 'spectral-losses']);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain(report.decision.train ? 'Train: ' : 'Do not train');
    expect(html).toContain('Where leave-one-out (LOO) stops');
  });

  it('follows the rule used: GCV’s criterion up top, or REML’s likelihood as the first figure', async () => {
    const report = await fixtureReport('train');
    const gcv = await renderReportHtml({ ...report, decision: { ...report.decision, rule: 'gcv' } });
    expect(nonFiniteText(gcv)).toBeUndefined();
    expect(gcv).toContain('Where GCV stops');
    expect(gcv).toMatch(/Alternatives<\/th><td>leave-one-out \(LOO\) [\d,]+ steps \([+−±][\d.]+%\), REML/);
    const reml = await renderReportHtml({ ...report, decision: { ...report.decision, rule: 'reml' } });
    expect(nonFiniteText(reml)).toBeUndefined();
    expect([...reml.matchAll(/<figure id="([^"]+)">/g)].map((m) => m[1])).toEqual(['reml', 'loss-curves', 'spectrum', 'spectral-losses']);
    expect(reml).toContain('REML, the rule used');
  });

  it('says which stops and test curves are missing without test data', async () => {
    const html = await renderReportHtml(await fixtureReport('no-test'));
    expect(html).toContain('No test data');
    expect(html).not.toContain('oracle (test set)');
    expect(html).not.toContain('Test loss (network)');
    expect(html).toContain('no test rows to measure its coverage');
  });

  it('marks a capped stop as the cap wherever it appears', async () => {
    const html = await renderReportHtml(await fixtureReport('capped'));
    expect(html).toContain(`Train: ≥ ${FIXTURE_MAX_STEPS_CAPPED} steps of gradient descent, the cap (leave-one-out (LOO)&#39;s own stop`);
    expect(html).toContain(`Where leave-one-out (LOO) stops: ≥ ${FIXTURE_MAX_STEPS_CAPPED} steps, the cap`);
    expect(html).toContain(`≥ ${FIXTURE_MAX_STEPS_CAPPED} (the cap)`);
  });

  it('labels each model’s numbers, in the target’s units, with the interval and its coverage', async () => {
    const report = await fixtureReport('train');
    const html = await renderReportHtml(report);
    const rmse = (report.metrics!.network.test as { rmse: number }).rmse;
    expect(html).toMatch(new RegExp(`Network \\(trained to the rule’s stop\\)</th><td>test RMSE ${rmse.toPrecision(4).replace('.', '\\.')}`));
    expect(html).toContain('Kernel model (the linearised prediction)</th><td>test RMSE');
    expect(html).toContain('(target units)');
    expect(html).toMatch(/Prediction interval<\/th><td>90%: network prediction ± [0-9.]+ \(target units\), covers [0-9.]+% of 40 test rows/);
    expect(html).toMatch(/Alternatives<\/th><td>REML .*\([+−±][0-9.]+%\)/);
  });

  it('gives a class target accuracy, log-loss and both models’ confusion tables', async () => {
    const html = await renderReportHtml(await fixtureReport('classes'));
    expect(html).toContain('test accuracy');
    expect(html).toContain('log-loss');
    expect(html).toContain('Confusion table: test rows, the network (trained to the rule’s stop)');
    expect(html).toContain('Confusion table: test rows, the kernel model (the linearised prediction)');
    expect(html).not.toContain('Prediction interval');
  });

  it('drops non-finite and non-positive values from log axes and says how many', async () => {
    const report = await fixtureReport('train');
    report.curves[3]!.trainLoss = Number.NaN;
    report.curves[4]!.kernelTrainLoss = 0;
    report.decorrelation[0]!.psi = Infinity;
    const html = await renderReportHtml(report);
    expect(nonFiniteText(html)).toBeUndefined();
    expect(html).toContain('2 loss values are not shown');
    expect(html).toContain('1 Ψ value is not shown');
  });

  it('survives a report with no curves and no profile', async () => {
    const report = { ...await fixtureReport('do-not-train'), curves: [], decorrelation: [] };
    report.reml = { ...report.reml, profile: [] };
    const html = await renderReportHtml(report);
    expect(html).toContain('No loss curves were recorded.');
    expect(html).toContain('No profile likelihood was recorded.');
    expect(nonFiniteText(html)).toBeUndefined();
  });
});

describe('spectrum chart', () => {
  it('draws the stability line 2/η only when it is near the spectrum', async () => {
    const report = await fixtureReport('train');
    const lambda1 = report.kernel.eigenvalues[0]!;
    report.learningRate = 0.01 / lambda1;
    expect(JSON.stringify(spectrumChart(report).spec)).not.toContain('2/η');
    report.learningRate = 1 / lambda1;
    expect(JSON.stringify(spectrumChart(report).spec)).toContain('GD diverges above');
  });
});
