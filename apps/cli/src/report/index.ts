/** The report files the CLI writes: report.json, curves.csv, stops.csv and a self-contained report.html. */
import { constants } from 'node:fs';
import { access, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { TwoStageReport } from './contract.js';
import { UsageError } from '../errors.js';
import { curvesCsv, reportJson, stopsCsv } from './data-files.js';
import { renderReportHtml } from './html.js';
import type { RunDetails } from './summary.js';

export { curvesCsv, reportJson, stopsCsv } from './data-files.js';
export { renderChartsPage, renderReportHtml, type ReportHtmlOptions } from './html.js';
export type { ReportChart } from './charts.js';
export type { RunDetails } from './summary.js';

export interface WriteReportOptions {
  /** Write into a folder that already holds files (ours are overwritten, others left alone). */
  force?: boolean;
  /** What became of the table (columns used and skipped, rows dropped, cells filled per column): report.json's `table`. */
  table?: object;
  /** The page's title (default "Duality report"). */
  title?: string;
  /** Details of the run (data file, target, seed, command line…): rows of the HTML summary and `run` in report.json. */
  extra?: RunDetails;
}

export interface ReportPaths {
  json: string;
  curvesCsv: string;
  stopsCsv: string;
  html: string;
}

/**
 * Writes the report files into `dir` (created when missing) and returns their paths. Refuses with a UsageError when
 * `dir` is a file, or a folder with anything in it, unless `force`: a user's files are never overwritten silently.
 */
export async function writeReport(dir: string, report: TwoStageReport, options: WriteReportOptions = {}): Promise<ReportPaths> {
  await prepareOutputFolder(dir, options.force ?? false);
  const paths: ReportPaths = {
    json: join(dir, 'report.json'),
    curvesCsv: join(dir, 'curves.csv'),
    stopsCsv: join(dir, 'stops.csv'),
    html: join(dir, 'report.html'),
  };
  // Render everything before writing anything, so a rendering failure leaves no half-written folder.
  const html = await renderReportHtml(report, {
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.extra === undefined ? {} : { run: options.extra }),
  });
  const contents: [string, string][] = [
    [paths.json, reportJson(report, options.extra, options.table)],
    [paths.curvesCsv, curvesCsv(report)],
    [paths.stopsCsv, stopsCsv(report)],
    [paths.html, html],
  ];
  for (const [path, text] of contents) await writeFile(path, text, 'utf8');
  return paths;
}

/** What a command will write into its output folder, and the user's files it reads (never to be overwritten). */
export interface OutputPlan {
  /** Paths relative to the folder (`model/model.json`). */
  writes: readonly string[];
  inputs: readonly string[];
}

const REPORT_FILES = ['report.json', 'curves.csv', 'stops.csv', 'report.html'] as const;
/** `train`'s and `demo`'s outputs: the report and the trained model. */
export const TRAIN_OUTPUTS = [...REPORT_FILES, 'model/model.json', 'model/weights.bin', 'model/duality-model.json'] as const;

async function statOrUndefined(path: string) {
  return stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'ENOTDIR') throw new UsageError(`cannot use ${path} as an output folder: a part of that path is a file; choose another --out`);
    throw err;
  });
}

/** The folders to create for `dir`, outermost first; the nearest existing one must be a writable folder. */
async function foldersToCreate(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let path = resolve(dir);
  for (let existing = await statOrUndefined(path); existing === undefined; existing = await statOrUndefined(path)) {
    missing.unshift(path);
    if (dirname(path) === path) break;
    path = dirname(path);
  }
  if (!(await access(path, constants.W_OK).then(() => true, () => false))) {
    throw new UsageError(`cannot create the output folder ${dir}: ${path} is not writable; choose another --out`);
  }
  return missing;
}

/** With --force into an existing folder: refuse what would overwrite a user's input or trip over their files. */
async function checkForcedWrites(dir: string, plan: OutputPlan): Promise<void> {
  const inputs = new Set(plan.inputs.map((input) => resolve(input)));
  for (const relative of plan.writes) {
    const target = resolve(dir, relative);
    if (inputs.has(target)) throw new UsageError(`--force would overwrite your input ${target} with Duality's ${relative}: move it, or choose another --out`);
    const parent = await statOrUndefined(dirname(target));
    if (parent && !parent.isDirectory()) throw new UsageError(`${dirname(target)} is a file where Duality writes a folder: move it, or choose another --out`);
    const existing = await statOrUndefined(target);
    if (existing?.isDirectory()) throw new UsageError(`${target} is a folder where Duality writes a file: move it, or choose another --out`);
  }
}

/**
 * Create `dir`, or accept it if empty or with `force`: check before a long run, so no work is lost to a refusal.
 * Returns the outermost folder this created (to remove if the run fails), or undefined when `dir` existed. Folders are
 * made one at a time, not with a recursive mkdir, which Node 20 can spin on forever (e.g. under /proc).
 */
export async function prepareOutputFolder(dir: string, force: boolean, plan: OutputPlan = { writes: [], inputs: [] }): Promise<string | undefined> {
  const existing = await statOrUndefined(dir);
  if (existing === undefined) {
    const missing = await foldersToCreate(dir);
    try {
      for (const folder of missing) await mkdir(folder);
    } catch (err) {
      await rm(missing[0]!, { recursive: true, force: true });
      throw new UsageError(`cannot create the output folder ${dir}: ${(err as Error).message}; choose another --out`);
    }
    return missing[0];
  }
  if (!existing.isDirectory()) {
    throw new UsageError(`output folder ${dir} exists and is a file: choose another --out`);
  }
  if (!force && (await readdir(dir)).length > 0) {
    throw new UsageError(`output folder ${dir} is not empty: choose an empty or new folder, or pass --force to overwrite the report files in it`);
  }
  if (force) await checkForcedWrites(dir, plan);
  return undefined;
}

/** Run `work` with `dir` prepared; a failure removes the folders this run created, so it leaves nothing behind. */
export async function inOutputFolder<T>(dir: string, force: boolean, plan: OutputPlan, work: () => Promise<T>): Promise<T> {
  const created = await prepareOutputFolder(dir, force, plan);
  try {
    return await work();
  } catch (err) {
    if (created) await rm(created, { recursive: true, force: true });
    throw err;
  }
}
