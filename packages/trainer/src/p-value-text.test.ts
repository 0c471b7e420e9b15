import { describe, expect, it } from 'vitest';
import { formatPValue } from './p-value-text.js';

describe('formatPValue', () => {
  it('writes p-values with 2 significant digits and tails as 3.2e-12', () => {
    expect(formatPValue(3.2e-12)).toBe('3.2e-12');
    expect(formatPValue(3.0e-12)).toBe('3e-12');
    expect(formatPValue(1e-5)).toBe('1e-5');
    expect(formatPValue(0.04123)).toBe('0.041');
    expect(formatPValue(1)).toBe('1');
  });

  it('never writes 0: from the log when the p-value underflowed, else a bound', () => {
    expect(formatPValue(0, -1000 * Math.LN10 + Math.log(1.2))).toBe('1.2e-1000');
    expect(formatPValue(0, Math.log(9.96) - 400 * Math.LN10)).toBe('1e-399');
    expect(formatPValue(0)).toBe('< 4.9e-324');
    expect(formatPValue(Number.MIN_VALUE)).toBe('4.9e-324');
    for (const p of [Number.NaN, Infinity, -1, undefined]) expect(formatPValue(p)).toBe('—');
  });
});
