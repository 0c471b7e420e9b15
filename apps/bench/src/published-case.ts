import { normalGenerator } from '@duality/linalg-core';
import { INPUT_DIM, TRUE_FUNCTIONS } from './true-functions.js';

/**
 * The published simulation case as a CSV on stdout (x1..x10, y): X ~ N(0, I10), y = f(x) + 0.5·ε, n = 600 by default.
 * `pnpm --filter @duality/bench published-case [seed] [n] > sim.csv`, then e.g. `pnpm duality train sim.csv --target y`.
 */
const [seedArg = '1', nArg = '600'] = process.argv.slice(2);
const seed = Number(seedArg);
const n = Number(nArg);
if (!Number.isInteger(seed) || seed < 0 || !Number.isInteger(n) || n < 3) {
  console.error(`usage: published-case [seed ≥ 0] [n ≥ 3]; got seed '${seedArg}', n '${nArg}'`);
  process.exit(2);
}
const truth = TRUE_FUNCTIONS.find((t) => t.name === 'published')!;
const normal = normalGenerator(seed);
const header = [...Array.from({ length: INPUT_DIM }, (_, j) => `x${j + 1}`), 'y'].join(',');
const rows = Array.from({ length: n }, () => {
  const x = Array.from({ length: INPUT_DIM }, normal);
  return [...x, truth.f(x) + 0.5 * normal()].join(',');
});
process.stdout.write(`${header}\n${rows.join('\n')}\n`);
