/** report.json, curves.csv and stops.csv: the report as data for scripts. */
import type { TwoStageReport } from './contract.js';
import type { RunDetails } from './summary.js';

/**
 * The report as JSON, plus the run details under `run` when given. JSON has no Infinity: non-finite numbers are
 * written as null (t̂ = ∞ reads back as `reml.time: null` beside `reml.outcome: "infinite"`).
 */
export function reportJson(report: TwoStageReport, run?: RunDetails, table?: object): string {
  const document = { ...report, ...(run === undefined || Object.keys(run).length === 0 ? {} : { run }), ...(table ? { table } : {}) };
  return `${JSON.stringify(document, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}

/** A number as written by JSON (shortest round-trip form); absent or non-finite → empty cell. */
function csvNumber(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '' : String(x);
}

/** RFC 4180 quoting for text cells. */
function csvText(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((row) => row.join(',')).join('\n') + '\n';
}

/**
 * One row per curve point; the network's columns are empty past the trained extent and the test columns without
 * test data (the header never changes). looLoss: ½·LOO(t), the leave-one-out estimate of the out-of-sample loss.
 */
export function curvesCsv(report: TwoStageReport): string {
  return csv(
    ['step', 'time', 'trainLoss', 'testLoss', 'kernelTrainLoss', 'kernelTestLoss', 'looLoss'],
    report.curves.map((point) => [
      csvNumber(point.step),
      csvNumber(point.time),
      csvNumber(point.trainLoss),
      csvNumber(point.testLoss),
      csvNumber(point.kernelTrainLoss),
      csvNumber(point.kernelTestLoss),
      csvNumber(point.looLoss),
    ]),
  );
}

/** One row per stopping rule's stop; capped: the rule's own stop lies past the step cap, `steps` is the cap. */
export function stopsCsv(report: TwoStageReport): string {
  return csv(
    ['rule', 'steps', 'capped', 'time', 'testLoss', 'kernelTestLoss', 'note'],
    report.stops.map((stop) => [
      stop.rule,
      csvNumber(stop.steps),
      stop.capped ? 'true' : 'false',
      csvNumber(stop.time),
      csvNumber(stop.testLoss),
      csvNumber(stop.kernelTestLoss),
      csvText(stop.note),
    ]),
  );
}
