import { performance } from 'node:perf_hooks';
import { readTable } from '@duality/tabular';

/**
 * `load-table-main.ts FILE`: the CLI's reader alone on a file (what `scale-wide` times as "load"), printing
 * {"seconds", "rows", "columns"} as JSON.
 */
const file = process.argv[2];
if (!file) throw new Error('give a table file');
const started = performance.now();
const table = await readTable(file);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seconds, rows: table.rows, columns: table.columns.length }));
