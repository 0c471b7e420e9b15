import { describe, expect, it } from 'vitest';
import { prepareDesign } from './prepare.js';
import { parseTable } from './read.js';

describe('parseTable', () => {
  it('reads a CSV whose line ends mix CRLF and LF (a file edited on two systems)', () => {
    const text = 'a,b,y\r\n1,2,3\r\n4,5,6\n7,8,9\r\n10,11,12\n';
    const table = parseTable(text, 'csv', 'mixed.csv');
    expect(table.columns).toEqual(['a', 'b', 'y']);
    expect(table.records.map((r) => r.y)).toEqual(['3', '6', '9', '12']);
  });

  it('refuses duplicate and empty header names instead of collapsing them', () => {
    expect(() => parseTable('a,a,c,y\n1,2,x,3\n', 'csv', 'data.csv')).toThrow("data.csv has the column name 'a' twice (columns 1 and 2); rename one");
    expect(() => parseTable('a,b,y,y\n1,2,3,4\n', 'csv', 'data.csv')).toThrow(/'y' twice \(columns 3 and 4\)/);
    expect(() => parseTable('a,,y\n1,2,3\n', 'csv', 'data.csv')).toThrow('data.csv: column 2 of the header has no name; name it, or delete the column');
    expect(() => parseTable('a\tb\ta\n1\t2\t3\n', 'tsv', 'data.tsv')).toThrow(/'a' twice \(columns 1 and 3\)/);
  });

  it('still names a ragged row', () => {
    expect(() => parseTable('a,b\n1,2\n3\n', 'csv', 'ragged.csv')).toThrow(/ragged\.csv is not valid CSV/);
  });
});

describe('prepareDesign on a value beyond the float64 range', () => {
  it('names the record and the value, not a NaN downstream', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i === 30 ? '1e400' : i},${i % 7},${i * 2}`);
    const table = parseTable(`a,b,y\n${rows.join('\n')}\n`, 'csv', 'big.csv');
    expect(() => prepareDesign(table, { target: 'y' })).toThrow(/big\.csv: column 'a', record 31 is 1e400, beyond the float64 range \(it reads as Infinity\)/);
  });
});
