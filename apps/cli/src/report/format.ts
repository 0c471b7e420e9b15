/** Numbers as a reader wants them: a few significant digits, never "NaN" or "Infinity". */

const absent = '—';

/** 4 significant digits; exponent form outside [1e-3, 1e6) (e.g. 0.2513, 1234, 3.2e-7). */
export function formatNumber(x: number | undefined, digits = 4): string {
  if (x === undefined || Number.isNaN(x)) return absent;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude < 1e-3 || magnitude >= 1e6) return formatExponent(x, digits - 1);
  // toPrecision then Number() drops trailing zeros ("0.2500" → "0.25"), String() keeps it out of exponent form here.
  return String(Number(x.toPrecision(digits)));
}

/** p-values are written by the trainer's formatter, the one source for reports and the CLI. */
export { formatPValue } from '@duality/trainer';

/** A count of steps or items with thousands separators (12,345); ∞ and — for the non-finite. */
export function formatCount(k: number | undefined): string {
  if (k === undefined || Number.isNaN(k)) return absent;
  if (!Number.isFinite(k)) return '∞';
  return Math.round(k).toLocaleString('en-US');
}

/** "1 step", "2,029 steps", "∞ steps": a count and its noun, plural unless it is exactly one. */
export function counted(k: number, noun: string): string {
  return `${formatCount(k)} ${noun}${k === 1 ? '' : 's'}`;
}

/** Seconds as "0.84 s", "12.3 s" or "4 min 05 s". */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return absent;
  if (seconds < 60) return `${formatNumber(seconds, 3)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - 60 * minutes)).padStart(2, '0')} s`;
}

function formatExponent(x: number, fractionDigits: number): string {
  const [mantissa = '', exponent = ''] = x.toExponential(fractionDigits).split('e');
  // "3.20" → "3.2", "3.00" → "3"; "+6" → "6".
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmed}e${exponent.replace('+', '')}`;
}

/**
 * One d3 number format for a whole chart axis, chosen from the values it shows, so that an axis never mixes
 * 0.000001 with 1e-7: plain (`~g`) when every nonzero value is inside formatNumber's plain range [1e-3, 1e6),
 * exponent form (`~e`: 1e-7, 2.5e-6) for all its labels otherwise.
 */
export function axisNumberFormat(values: readonly number[]): string {
  const magnitudes = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  const plain = magnitudes.every((m) => m >= 1e-3 && m < 1e6);
  return plain ? '~g' : '~e';
}

/** A stop's steps, a capped one as "≥ N steps, the cap" (the rule's own stop lies past --max-steps): one convention everywhere. */
export function stopStepsLabel(steps: number, capped = false): string {
  return capped ? `≥ ${counted(steps, 'step')}, the cap` : counted(steps, 'step');
}
