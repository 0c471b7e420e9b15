import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { initTensorflow } from '@duality/ntk';
import { loadPredictor, type Predictions, type Predictor } from '@duality/predictor';
import { readTable, TABLE_FORMATS, type TableFormat } from '@duality/tabular';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { counted, formatCount } from '../report/format.js';
import { parseNumber } from './inputs.js';
import { describe } from '../catalogue.js';

interface PredictOptions {
  out?: string;
  force?: boolean;
  interval: boolean;
  format?: TableFormat;
  quiet?: boolean;
}

/** A CSV cell: numbers to 12 significant digits (float32 networks carry about 7), text quoted when it must be. */
function cell(value: string | number): string {
  if (typeof value === 'number') return String(Number(value.toPrecision(12)));
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The answer columns: `row` (the input's 1-based row, so its order is kept), then the target's columns. */
function header(predictions: Predictions, withInterval: boolean): string[] {
  const { target } = predictions;
  if (predictions.classLabels) return ['row', target, ...predictions.classLabels.map((label) => `p(${label})`)];
  return ['row', target, ...(withInterval && predictions.interval ? ['lower', 'upper'] : [])];
}

function line(predictions: Predictions, i: number, withInterval: boolean): string {
  const cells: (string | number)[] = [i + 1];
  if (predictions.labels) cells.push(predictions.labels[i]!, ...predictions.probabilities!.map((p) => p[i]!));
  else {
    cells.push(predictions.values![i]!);
    if (withInterval && predictions.interval) cells.push(predictions.interval.lower[i]!, predictions.interval.upper[i]!);
  }
  return cells.map(cell).join(',');
}

/** Write the CSV block by block, to a temporary file renamed into place at the end (a failed run leaves nothing). */
function writeCsv(path: string | undefined, predictions: Predictions, withInterval: boolean, output: Output): void {
  const rows = [header(predictions, withInterval).map(cell).join(',')];
  for (let i = 0; i < predictions.rows; i++) rows.push(line(predictions, i, withInterval));
  if (path === undefined) {
    output.write(rows.join('\n'));
    return;
  }
  const partial = `${path}.partial-${process.pid}`;
  const fd = openSync(partial, 'w');
  try {
    for (let start = 0; start < rows.length; start += 10_000) writeSync(fd, `${rows.slice(start, start + 10_000).join('\n')}\n`);
    closeSync(fd);
    renameSync(partial, path);
  } catch (err) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw err;
  }
}

/** One line on stderr: rows answered, in what units, and what was filled. */
function summaryLine(predictor: Predictor, predictions: Predictions, file: string): string {
  const { description } = predictor;
  const what = description.task === 'classification' ? `a label and one probability for each of ${predictions.classLabels!.length} classes` : `${predictions.target} in its own units`;
  const imputed = [...predictions.counts.imputed].reduce((s, [, n]) => s + n, 0);
  const unseen = [...predictions.counts.unseen];
  const notes = [
    ...(imputed > 0 ? [`${counted(imputed, 'missing cell')} filled with the training rows' ${description.preprocessing.impute === 'mean' ? 'means' : 'medians'}`] : []),
    ...(unseen.length > 0 ? [`${unseen.map(([c, n]) => `${formatCount(n)} in ${c}`).join(', ')} with a level training never saw (all its indicators 0)`] : []),
    ...(predictions.interval ? [`${Math.round(100 * predictions.interval.level)}% intervals ±${cell(description.interval!.halfWidth)}`] : []),
  ];
  return `predicted ${counted(predictions.rows, 'row')} of ${file}: ${what}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

/** The interval level asked for must be the one the model folder stores (its quantile of the training LOO residuals). */
function checkInterval(predictor: Predictor, level: string | undefined): void {
  if (level === undefined) return;
  const asked = parseNumber(level, '--interval', (x) => x > 0 && x < 1, 'a level in (0, 1), e.g. 0.9');
  const stored = predictor.description.interval;
  if (!stored) throw new UsageError(`the model has no prediction interval (${predictor.description.task === 'classification' ? 'a class target' : 'it was saved without one'}); drop --interval`);
  if (Math.abs(stored.level - asked) > 1e-12) {
    throw new UsageError(`the model stores the ${stored.level} interval (a quantile of its training rows' leave-one-out residuals); ask for --interval ${stored.level}, or train with --interval ${asked}`);
  }
}

async function predict(model: string, file: string, options: PredictOptions & { intervalLevel?: string }, output: Output): Promise<void> {
  const out = options.out === undefined ? undefined : resolve(options.out);
  if (out && resolve(file) === out) throw new UsageError(`--out ${options.out} is the input file; write the predictions elsewhere`);
  if (out && existsSync(out) && !options.force) throw new UsageError(`${options.out} exists; choose another --out, or add --force to replace it`);
  await initTensorflow();
  const predictor = await loadPredictor(model);
  try {
    checkInterval(predictor, options.intervalLevel);
    const predictions = predictor.predict(await readTable(file, { format: options.format }));
    writeCsv(out, predictions, options.interval, output);
    if (!options.quiet) process.stderr.write(`${summaryLine(predictor, predictions, file)}${out ? ` → ${options.out}` : ''}\n`);
  } finally {
    predictor.dispose();
  }
}

export function registerPredict(program: Command, output: Output): void {
  program
    .command('predict')
    .description(describe('predict'))
    .argument('<model>', 'the model/ folder `duality train` wrote (model.json with duality-model.json beside it)')
    .argument('<file>', 'rows to answer: CSV/TSV with a header, JSON or NDJSON records, or Parquet (.gz allowed); the target column may be absent, blank cells are filled as in training')
    .option('--out <file>', 'write the predictions CSV here (default: stdout)')
    .option('--force', 'replace an existing --out file')
    .option('--interval <level>', 'the prediction interval’s level (the model stores one, by default 0.9; this checks it)')
    .option('--no-interval', 'leave out the lower and upper columns')
    .addOption(new Option('--format <format>', 'the file format (default: from the extension)').choices([...TABLE_FORMATS]))
    .option('--quiet', 'no summary line on stderr')
    .action((model: string, file: string, options: PredictOptions) => {
      // commander gives --interval <level> and --no-interval one key: a string is a level, false is "none", true the default.
      const raw = options.interval as unknown;
      const intervalLevel = typeof raw === 'string' ? raw : undefined;
      return predict(model, file, { ...options, interval: raw !== false, intervalLevel }, output);
    });
}
