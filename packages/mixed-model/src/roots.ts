import { MixedModelNumericalError } from './errors.js';

/** A function value with its derivative. */
export interface ValueAndSlope {
  value: number;
  slope: number;
}

/**
 * The root of an increasing function on the open interval (lo, hi) (hi may be Infinity), by Newton's method
 * safeguarded with bisection: a Newton step that leaves the current bracket is replaced by its midpoint.
 * The caller guarantees a sign change (negative near lo, positive near hi).
 */
export function increasingRoot(
  evaluate: (x: number) => ValueAndSlope,
  lo: number,
  hi: number,
  start: number,
  what: string,
): number {
  let a = lo;
  let b = hi;
  let x = start;
  if (!Number.isFinite(b)) {
    // Find a finite upper end of the bracket by doubling away from lo.
    let step = Math.max(Math.abs(x - a), 1e-300);
    for (let i = 0; i < 2100; i++) {
      const f = evaluate(x).value;
      if (f > 0) {
        b = x;
        break;
      }
      a = x;
      step *= 2;
      x = a + step;
    }
    if (!Number.isFinite(b)) throw new MixedModelNumericalError(`${what}: no sign change found (no upper bracket)`);
  }
  for (let iter = 0; iter < 400; iter++) {
    const { value, slope } = evaluate(x);
    if (value === 0) return x;
    if (value < 0) a = x;
    else b = x;
    let next = x - value / slope;
    if (!(next > a && next < b) || !Number.isFinite(next)) next = 0.5 * (a + b);
    if (Math.abs(next - x) <= 4e-16 * Math.abs(x) || b - a <= 4e-16 * Math.max(Math.abs(a), Math.abs(b))) {
      return next;
    }
    x = next;
  }
  throw new MixedModelNumericalError(`${what}: Newton/bisection did not converge in 400 iterations`);
}
