import { describe, expect, it } from 'vitest';
import { meanSd, medianInPlace, strayText } from './columns.js';
import { tableFromColumns, type TableColumn } from './table.js';

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

describe('medianInPlace', () => {
  it('equals the middle of the sorted values (the mean of the middle two for even n), ties and all', () => {
    for (const n of [1, 2, 3, 10, 11, 101, 1000]) {
      for (const distinct of [3, 1000]) {
        const values = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % distinct) - distinct / 3);
        const sorted = values.slice().sort();
        const expected = n % 2 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
        expect(medianInPlace(values)).toBe(expected);
      }
    }
  });
});

describe('strayText on a mostly numeric column', () => {
  const column = (cell: string): TableColumn =>
    tableFromColumns('data.csv', { a: Array.from({ length: 20 }, (_, i) => (i === 12 ? cell : `x${i}`).replace(/^x/, '')) }).columns[0]!;

  it('names the row, the value and the fix for a stray text cell, and a thousands separator as such', () => {
    expect(strayText(column('abc'), 'data.csv')).toBe("data.csv: column 'a', row 13 is 'abc' in an otherwise numeric column; replace it with a number or leave it empty");
    expect(strayText(column('-'), 'data.csv')).toMatch(/row 13 is '-' in an otherwise numeric column/);
    expect(strayText(column('1,234.5'), 'data.csv')).toMatch("row 13 is '1,234.5', a number with a thousands separator; write it without separators (1234.5)");
  });

  it('leaves text columns with a few numbers, and numeric columns, alone', () => {
    const mixed = tableFromColumns('t', { c: Array.from({ length: 20 }, (_, i) => (i < 17 ? 'xyz'[i % 3]! : String(i))) }).columns[0]!;
    expect(mixed.kind).toBe('text');
    expect(strayText(mixed, 't')).toBeUndefined();
    expect(strayText(column(''), 'data.csv')).toBeUndefined();
  });
});
