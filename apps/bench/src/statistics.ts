/** Small statistics the benchmark suites share: binomial acceptance intervals and quartiles. */

/**
 * The equal-tailed acceptance interval [lo, hi] of a rejection count under Binomial(replicates, α): a count outside it
 * has probability at most (1 − level)/2 on each side when the true size is α. Exact (log-space pmf), not the normal
 * approximation, which is poor at α = 0.001.
 */
export function binomialAcceptance(replicates: number, alpha: number, level: number): { lo: number; hi: number } {
  if (!(Number.isInteger(replicates) && replicates > 0)) throw new Error(`replicates must be a positive integer, got ${replicates}`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`α must be in (0, 1), got ${alpha}`);
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  const logPmf = new Float64Array(replicates + 1);
  logPmf[0] = replicates * Math.log1p(-alpha);
  const logOdds = Math.log(alpha) - Math.log1p(-alpha);
  for (let k = 0; k < replicates; k++) logPmf[k + 1] = logPmf[k]! + Math.log((replicates - k) / (k + 1)) + logOdds;
  const top = logPmf.reduce((m, v) => Math.max(m, v), -Infinity);
  const pmf = logPmf.map((v) => Math.exp(v - top));
  const total = pmf.reduce((s, v) => s + v, 0);
  const tail = (1 - level) / 2;
  let lo = 0;
  for (let below = pmf[0]! / total; below <= tail; below += pmf[++lo]! / total);
  let hi = replicates;
  for (let above = pmf[replicates]! / total; above <= tail; above += pmf[--hi]! / total);
  return { lo, hi };
}

/** Quantile q ∈ [0, 1] of the values, linear between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (at - below) * (sorted[above]! - sorted[below]!);
}

/** "median [q1, q3]" with `digits` significant digits. */
export function medianQuartiles(values: readonly number[], digits = 3): string {
  if (values.length === 0) return '—';
  const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(digits) : String(v));
  return `${f(quantile(values, 0.5))} [${f(quantile(values, 0.25))}, ${f(quantile(values, 0.75))}]`;
}
