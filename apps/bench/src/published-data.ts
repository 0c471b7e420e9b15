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
