/** report.html: one self-contained page (inline CSS and SVG, no scripts, no external requests). */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TwoStageReport } from './contract.js';
import { reportCharts, type ReportChart } from './charts.js';
import { reportSummary, type ReportSummary, type RunDetails } from './summary.js';

/** Vega-Lite → static SVG, rendered in Node (no browser, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Vega numbers its clip paths per view ("clip1", …): prefix them so several SVGs can share one page. */
function scopeSvgIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

async function renderFigure(chart: ReportChart): Promise<string> {
  const notes = chart.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('');
  const plot = chart.spec === undefined ? '' : `<div class="plot">${scopeSvgIds(await renderSvg(chart.spec), chart.id)}</div>`;
  return (
    `<figure id="${escapeHtml(chart.id)}"><figcaption><h2>${escapeHtml(chart.title)}</h2>` +
    `<p>${escapeHtml(chart.caption)}</p></figcaption>${plot}` +
    (notes ? `<ul class="notes">${notes}</ul>` : '') +
    `</figure>`
  );
}

function renderTable(header: string[] | undefined, rows: string[][], className: string): string {
  const head = header === undefined ? '' : `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map(([first = '', ...rest]) => `<tr><th>${escapeHtml(first)}</th>${rest.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="${className}">${head}<tbody>${body}</tbody></table>`;
}

function renderSummary(summary: ReportSummary): string {
  return (
    `<section class="decision ${summary.train ? 'train' : 'no-train'}"><p class="headline">${escapeHtml(summary.headline)}</p>` +
    `<p>${escapeHtml(summary.reason)}</p></section>` +
    renderTable(undefined, summary.rows, 'summary') +
    `<h2>Where each rule stops</h2>` +
    renderTable(summary.stopsHeader, summary.stops, 'stops') +
    summary.confusion.map((table) => `<h2>${escapeHtml(table.caption)}</h2>` + renderTable(table.header, table.rows, 'stops')).join('')
  );
}

const style = `
:root{color-scheme:light}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#222;background:#fff}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}.subtitle{color:#555;margin:0 0 1rem}
.decision{padding:.7rem 1rem;border-radius:6px;margin:1rem 0;border-left:6px solid}
.decision p{margin:.15rem 0}.decision .headline{font-size:1.2rem;font-weight:600}
.decision.train{background:#edf7ed;border-color:#2e7d32}.decision.no-train{background:#f4f4f4;border-color:#777}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
th,td{padding:.3rem .7rem;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
table.summary th{width:14rem;font-weight:600;color:#444}table.stops thead th{border-bottom:2px solid #ccc}
table.stops td{font-variant-numeric:tabular-nums}
figure{margin:1.5rem 0;padding:1rem;border:1px solid #ddd;border-radius:6px}
figure h2{margin:0}figcaption p{margin:.25rem 0 .75rem;color:#555}
.plot svg{max-width:100%;height:auto;display:block}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:0 1rem}
.notes{color:#666;font-size:.9rem;margin:.5rem 0 0}
footer{color:#888;font-size:.85rem;margin:2rem 0}
`;

export interface ReportHtmlOptions {
  title?: string;
  run?: RunDetails;
}

/** The whole page for one report. */
export async function renderReportHtml(report: TwoStageReport, options: ReportHtmlOptions = {}): Promise<string> {
  const title = options.title ?? 'Duality report';
  const summary = reportSummary(report, options.run);
  const charts = reportCharts(report);
  const figures = await Promise.all(charts.map(renderFigure));
  // The rule's story, the loss curves and REML full width; the spectrum and the spectral losses side by side.
  const pair = figures.slice(-2);
  const wide = figures.slice(0, -2);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p class="subtitle">${escapeHtml(summary.subtitle)}</p>
${renderSummary(summary)}
${wide.join('\n')}
<div class="pair">${pair.join('\n')}</div>
<footer>Written by duality. The numbers behind this page: report.json (an infinite t̂ is written as null), curves.csv, stops.csv.</footer>
</body></html>
`;
}

/** A page of figures with a title and a line of context: the same styles as the report, for other commands' plots. */
export async function renderChartsPage(title: string, subtitle: string, charts: ReportChart[]): Promise<string> {
  const figures = await Promise.all(charts.map(renderFigure));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p class="subtitle">${escapeHtml(subtitle)}</p>
${figures.join('\n')}
</body></html>
`;
}
