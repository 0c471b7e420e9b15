import { describe, expect, it } from 'vitest';
import { meanSd, readColumn, strayText } from './columns.js';
import { parseTable } from './read.js';

describe('meanSd', () => {
  it('gives sd exactly 0 for values equal in every row, even when not exact in binary', () => {
    expect(meanSd(new Float64Array(120).fill(0.1)).sd).toBe(0);
    expect(meanSd(new Float64Array(120).fill(1.2882))).toEqual({ mean: 1.2882, sd: 0 });
    expect(meanSd(new Float64Array(5)).sd).toBe(0);
  });

  it('treats a spread at rounding level as constant, and 1e-10 relative variation as real', () => {
    const ulps = Float64Array.from({ length: 30 }, (_, i) => 0.3 + (i % 3) * Number.EPSILON * 0.3);
    expect(ulps[1]).not.toBe(ulps[0]);
    expect(meanSd(ulps).sd).toBe(0);
    const varying = Float64Array.from({ length: 30 }, (_, i) => 5 * (1 + (i % 3) * 1e-10));
    expect(meanSd(varying).sd).toBeGreaterThan(0);
    expect(meanSd(varying).sd / 5e-10).toBeCloseTo(0.83, 2);
  });

  it('is exact in relative terms at any finite magnitude', () => {
    const base = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i) + 2);
    const ref = meanSd(base);
    for (const scale of [1e300, 1e-300, 1e154, 1e-170]) {
      const s = meanSd(base.map((v) => v * scale));
      expect(s.mean / scale / ref.mean).toBeCloseTo(1, 12);
      expect(s.sd / scale / ref.sd).toBeCloseTo(1, 12);
    }
  });
});

describe('readColumn on a mostly numeric column', () => {
  const table = (cell: string) =>
    parseTable(['a,y', ...Array.from({ length: 20 }, (_, i) => `${i === 12 ? cell : i},${i}`)].join('\n'), 'csv', 'data.csv');

  it('names the record, the value and the fix for a stray text cell', () => {
    expect(strayText(readColumn(table('abc'), 'a'), 'data.csv')).toBe("data.csv: column 'a', record 13 is 'abc' in an otherwise numeric column; replace it with a number or leave it empty");
    expect(strayText(readColumn(table('-'), 'a'), 'data.csv')).toMatch(/record 13 is '-' in an otherwise numeric column/);
  });

  it('names a thousands separator as such', () => {
    expect(strayText(readColumn(table('"1,234.5"'), 'a'), 'data.csv')).toMatch("record 13 is '1,234.5', a number with a thousands separator; write it without separators (1234.5)");
  });

  it('still reads text columns with a few numbers, and numbers with missing cells', () => {
    const mixed = parseTable(['c', ...Array.from({ length: 20 }, (_, i) => (i < 17 ? 'xyz'[i % 3] : String(i)))].join('\n'), 'csv');
    expect(readColumn(mixed, 'c').numeric).toBe(false);
    expect(strayText(readColumn(mixed, 'c'), 'data.csv')).toBeUndefined();
    expect(readColumn(table(''), 'a').numeric).toBe(true);
    expect(readColumn(table('?'), 'a').cells[12]).toEqual({ kind: 'missing' });
  });
});
