import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { INPUT_DIM, TRUE_FUNCTIONS } from './true-functions.js';

/** The published simulation case: X ~ N(0, I10), y = f(x) + 0.5·ε; as a CSV (x1..x10, y) and as matrices. */
export function publishedCase(n: number, seed: number): { csv: string; x: Matrix64; y: Matrix64 } {
  const truth = TRUE_FUNCTIONS.find((t) => t.name === 'published')!;
  const normal = normalGenerator(seed);
  const rows = Array.from({ length: n }, () => {
    const x = Array.from({ length: INPUT_DIM }, normal);
    return [...x, truth.f(x) + 0.5 * normal()];
  });
  const header = [...Array.from({ length: INPUT_DIM }, (_, j) => `x${j + 1}`), 'y'].join(',');
  const x = new Matrix64(n, INPUT_DIM, Float64Array.from(rows.flatMap((r) => r.slice(0, INPUT_DIM))));
  return { csv: `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`, x, y: Matrix64.column(rows.map((r) => r[INPUT_DIM]!)) };
}

/**
 * The first rows of vega-datasets' flights-200k (delay, distance, time: arrival delay from distance and departure
 * time). Its first rows are early-morning flights with many repeated (distance, time) inputs.
 */
export function flightsRows(rows: number): unknown[] {
  const require = createRequire(import.meta.url);
  const file = join(dirname(dirname(require.resolve('vega-datasets'))), 'data/flights-200k.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).slice(0, rows);
}
