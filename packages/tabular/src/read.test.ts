import { describe, expect, it } from 'vitest';
import { parseTable } from './read.js';

describe('parseTable', () => {
  it('reads a CSV whose line ends mix CRLF and LF (a file edited on two systems)', () => {
    const text = 'a,b,y\r\n1,2,3\r\n4,5,6\n7,8,9\r\n10,11,12\n';
    const table = parseTable(text, 'csv', 'mixed.csv');
    expect(table.columns).toEqual(['a', 'b', 'y']);
    expect(table.records.map((r) => r.y)).toEqual(['3', '6', '9', '12']);
  });

  it('still names a ragged row', () => {
    expect(() => parseTable('a,b\n1,2\n3\n', 'csv', 'ragged.csv')).toThrow(/ragged\.csv is not valid CSV/);
  });
});
