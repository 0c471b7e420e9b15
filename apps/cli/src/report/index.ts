/** The report files the CLI writes: report.json, curves.csv, stops.csv and a self-contained report.html. */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    [paths.json, reportJson(report, options.extra)],
    [paths.curvesCsv, curvesCsv(report)],
    [paths.stopsCsv, stopsCsv(report)],
    [paths.html, html],
  ];
  for (const [path, text] of contents) await writeFile(path, text, 'utf8');
  return paths;
}

/**
 * Create `dir` (true), or accept it if empty or with `force` (false): check before a long run, so no work is lost to
 * a refusal.
 */
export async function prepareOutputFolder(dir: string, force: boolean): Promise<boolean> {
  const existing = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing === undefined) {
    await mkdir(dir, { recursive: true });
    return true;
  }
  if (!existing.isDirectory()) {
    throw new UsageError(`output folder ${dir} exists and is a file: choose another --out`);
  }
  if (!force && (await readdir(dir)).length > 0) {
    throw new UsageError(`output folder ${dir} is not empty: choose an empty or new folder, or pass --force to overwrite the report files in it`);
  }
  return false;
}

/** Run `work` with `dir` prepared; a failure removes the folder if this run created it, so it leaves nothing behind. */
export async function inOutputFolder<T>(dir: string, force: boolean, work: () => Promise<T>): Promise<T> {
  const created = await prepareOutputFolder(dir, force);
  try {
    return await work();
  } catch (err) {
    if (created) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
