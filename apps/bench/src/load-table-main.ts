import { performance } from 'node:perf_hooks';
import { prepareDesign, readTable } from '@duality/tabular';

/**
 * `load-table-main.ts FILE [TARGET]`: the CLI's reader alone on a file (what `scale-wide` times as "load"), printing
 * {"seconds", "rows", "columns"} as JSON; with a target column, then the design as the CLI builds it by default
 * (`prepareDesign`), adding {"designSeconds", "designBytes"} (both splits' x). Peak RSS: run it under GNU time.
 */
const [file, target] = process.argv.slice(2);
if (!file) throw new Error('give a table file');
const started = performance.now();
const table = await readTable(file);
const seconds = (performance.now() - started) / 1000;
const loaded = { seconds, rows: table.rows, columns: table.columns.length };
if (target === undefined) {
  console.log(JSON.stringify(loaded));
} else {
  const designStarted = performance.now();
  const design = prepareDesign(table, { target });
  const designSeconds = (performance.now() - designStarted) / 1000;
  const designBytes = design.train.x.data.byteLength + design.test.x.data.byteLength;
  console.log(JSON.stringify({ ...loaded, designSeconds, designBytes }));
}
