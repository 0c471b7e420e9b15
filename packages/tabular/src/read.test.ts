import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readerInfo } from './duckdb.js';
import { readTable } from './read.js';
import { tableFromColumns, type Table } from './table.js';
import { csv, readText, tempFile } from './test-utils.js';

const header = ['x', 'label', 'y'];
const rows = [
  [1.5, 'a', 10],
  ['', 'b', 20],
  [3, '', ''],
  [-4e-3, 'a', 40],
];

/** Columns as plain arrays, NaN and null for missing: what every format must agree on. */
function plain(table: Table) {
  return Object.fromEntries(
    table.columns.map((c) => [c.name, c.kind === 'number' ? Array.from(c.values) : Array.from(c.codes, (k) => (k < 0 ? null : c.levels[k]))]),
  );
}

const expected = { x: [1.5, NaN, 3, -4e-3], label: ['a', 'b', null, 'a'], y: [10, 20, NaN, 40] };

describe('readTable', () => {
  it('reads CSV, TSV, gzipped CSV, JSON records, NDJSON and Parquet into the same typed columns', async () => {
    const text = csv(header, rows);
    const records = rows.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j] === '' ? null : r[j]])));
    const files = [
      tempFile('t.csv', text),
      tempFile('t.tsv', text.replaceAll(',', '\t')),
      tempFile('t.csv.gz', gzipSync(text)),
      tempFile('t.json', JSON.stringify(records)),
      tempFile('t.ndjson', records.map((r) => JSON.stringify(r)).join('\n')),
    ];
    for (const file of files) {
      const table = await readTable(file);
      expect(table.rows).toBe(4);
      expect(plain(table)).toEqual(expected);
    }
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const parquet = files[0]!.replace(/\.csv$/, '.parquet');
    await connection.run(`COPY (SELECT * FROM read_csv('${files[0]}')) TO '${parquet}' (FORMAT parquet)`);
    expect(plain(await readTable(parquet))).toEqual(expected);
    expect(plain(await readTable(tempFile('t.data', text), { format: 'csv' }))).toEqual(expected);
  });

  it('reads the missing tokens people write as missing, a semicolon file by its dialect, and a date as its decimal year', async () => {
    const table = await readText('a;b;d\n1;NA;2014-01-01\nnan;?;2014-07-02\n3;null;\n');
    expect(plain(table)).toEqual({ a: [1, NaN, 3], b: [null, null, null], d: [2014, 2014 + 182 / 365, NaN] });
  });

  it('names each mistake in one line with the fix', async () => {
    await expect(readTable('/no/such/file.csv')).rejects.toThrow('no such file: /no/such/file.csv; check the path');
    await expect(readTable(tempFile('x.csv', '').replace('/x.csv', ''))).rejects.toThrow(/is a folder/);
    await expect(readTable(tempFile('x.xlsx', 'a'))).rejects.toThrow(/unknown table format '\.xlsx'.*--format csv/);
    await expect(readText('')).rejects.toThrow(/data\.csv is empty/);
    await expect(readText('a,b\n')).rejects.toThrow(/header but no rows/);
    await expect(readText('a,b,y\r\n1,2,3\n4,5,6\r\n7,8,9\n')).rejects.toThrow(/mixes CRLF and LF line endings; convert it to one/);
    await expect(readText(csv(['a', 'y'], [[1, 2], ['inf', 3], [2, 4]]))).rejects.toThrow("data.csv: column 'a', row 2 is infinite; replace it with a finite number");
    await expect(readText(csv(['a', 'y'], [[1, 2], ['1e400', 3], [2, 4]]))).rejects.toThrow(/column 'a', row 2 is infinite/);
    await expect(readText('[1, 2', 'bad.json')).rejects.toThrow(/bad\.json could not be read as JSON/);
  });

  it('says which reader it is', async () => {
    const info = await readerInfo();
    expect(info.name).toMatch(/DuckDB/);
    expect(info.version).toMatch(/^v?\d+\.\d+/);
  });
});

describe('tableFromColumns', () => {
  it('types columns as the file reader does and checks lengths and infinities', () => {
    const table = tableFromColumns('rows', { x: [1.5, null, 3, -4e-3], label: ['a', 'b', undefined, 'a'], y: ['10', 20, 'NA', 40] });
    expect(plain(table)).toEqual(expected);
    expect(() => tableFromColumns('rows', { x: [1], y: [1, 2] })).toThrow(/column 'x' has 1 cells, column 'x' has 1|column 'y' has 2 cells/);
    expect(() => tableFromColumns('rows', { x: [1, Infinity] })).toThrow("rows: column 'x', row 2 is infinite");
  });
});

describe('readTable on a header or rows the reader would otherwise change', () => {
  it('refuses repeated and empty header names instead of renaming them, and names a ragged row', async () => {
    await expect(readText('a,a,c,y\n1,2,x,3\n')).rejects.toThrow("data.csv has the column name 'a' twice (columns 1 and 2); rename one");
    await expect(readText('a\tb\ta\n1\t2\t3\n', 'data.tsv')).rejects.toThrow(/'a' twice \(columns 1 and 3\)/);
    await expect(readText('a,,y\n1,2,3\n')).rejects.toThrow('data.csv: column 2 of the header has no name; name it, or delete the column');
    await expect(readText('a,b\n1,2\n3\n5,6\n', 'ragged.csv')).rejects.toThrow(/ragged\.csv: .*a ragged row/);
  });
});

describe('readTable in chunks', () => {
  it('puts every missing cell where it was, across chunks and past the rows allocated up front', async () => {
    // Wide first rows make the row estimate (from the first MiB) far too short, so later chunks spill into pieces.
    const missing = (i: number) => [31, 32, 33, 63, 64, 65, 2047, 2048, 2049, 4095, 4096].includes(i) || i % 37 === 0;
    const rows = Array.from({ length: 9000 }, (_, i) => [missing(i) ? '' : i, i < 600 ? 'w'.repeat(2000) : 's', i % 3 === 0 ? '' : -i]);
    const table = await readText(csv(['a', 'text', 'y'], rows));
    expect(table.rows).toBe(9000);
    const [a, , y] = table.columns as { values: Float64Array }[];
    const wrong = rows.flatMap((_, i) => (Object.is(a!.values[i], missing(i) ? NaN : i) && Object.is(y!.values[i], i % 3 === 0 ? NaN : -i) ? [] : [i]));
    expect(wrong).toEqual([]);
  });

  it('names a bad line deep in the file by its number', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => (i === 25_000 ? [1, 2] : [i, i % 5, 2 * i]));
    await expect(readText(csv(['a', 'b', 'y'], rows))).rejects.toThrow(/data\.csv, line 25002: .*fix the row/);
  });
});

describe('readTable past the sniffer’s sample', () => {
  it('reads a column again as text when a cell beyond the first 20,480 rows is not a number', async () => {
    const rows = Array.from({ length: 30_001 }, (_, i) => [i === 30_000 ? 'abc' : i, i % 7, 2 * i]);
    const table = await readText(csv(['a', 'b', 'y'], rows));
    expect(table.columns.map((c) => c.kind)).toEqual(['text', 'number', 'number']);
    expect(table.rows).toBe(30_001);
  });
});
