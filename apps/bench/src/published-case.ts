import { publishedCase } from './published-data.js';

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
process.stdout.write(publishedCase(n, seed).csv);
