/** The smallest positive double, as written: a p-value that underflows to 0 is below it. */
const SMALLEST_DOUBLE = '4.9e-324';

/**
 * A p-value as people read it: 2 significant digits, exponent form below 1e-3 (3.2e-12); 1 as written. Never "0": a
 * p that underflowed is written from its logarithm when there is one (1.2e-400), else as a bound (< 4.9e-324). The one
 * source for the reports' reasons and the CLI.
 */
export function formatPValue(p: number | undefined, logP?: number): string {
  if (p === undefined || !Number.isFinite(p) || p < 0) return '—';
  if (p === 0) return logP !== undefined && Number.isFinite(logP) ? exponentFromLog(logP) : `< ${SMALLEST_DOUBLE}`;
  if (p === 1) return '1';
  if (p < 1e-3) return exponentFromLog(Math.log(p));
  return String(Number(p.toPrecision(2)));
}

/** e^{logValue} as "m.me-k" (trailing ".0" dropped) without forming the number: it may be far below the doubles. */
function exponentFromLog(logValue: number): string {
  const log10 = logValue / Math.LN10;
  let exponent = Math.floor(log10);
  let mantissa = Number((10 ** (log10 - exponent)).toFixed(1));
  if (mantissa >= 10) {
    mantissa /= 10;
    exponent += 1;
  }
  return `${mantissa}e${exponent}`;
}
