import { describe, expect, it } from 'vitest';
import { columnParts, scanInParts, type ScanColumn } from './column-scan.js';
import { sqlString, withConnections } from './duckdb.js';
import { numericSlots, NumericSink } from './numeric-sink.js';
import { TextColumnBuilder, type TableColumn } from './table.js';
import { readTable } from './read.js';
import { csv, tempFile } from './test-utils.js';

describe('columnParts', () => {
  it('cuts the columns into contiguous, nearly even parts that cover each column once', () => {
    for (const [columns, rows, workers] of [
      [2926, 50_000, 2],
      [2926, 10_000, 4],
      [7, 3, 2],
      [1, 10_000_000, 2],
      [3, 0, 4],
      [5000, 400, 1],
    ] as const) {
      const parts = columnParts(columns, rows, workers);
      expect(parts[0]![0]).toBe(0);
      expect(parts.at(-1)![1]).toBe(columns);
      parts.forEach(([start, end], p) => {
        expect(end).toBeGreaterThan(start);
        if (p > 0) expect(start).toBe(parts[p - 1]![1]);
      });
      const widths = parts.map(([start, end]) => end - start);
      expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
      expect(parts.length).toBeGreaterThanOrEqual(Math.min(columns, workers));
    }
    // Parts shrink as the rows grow, so the scan buffers of a part stay small on a tall file.
    expect(columnParts(2926, 50_000, 2).length).toBeGreaterThan(columnParts(2926, 10_000, 2).length);
  });
});

/** Cell (i, j) of the numeric columns: every other column has missing cells (NaN), scattered. */
const cell = (i: number, j: number) => (j % 2 === 1 && (i * 7 + j) % 11 === 0 ? Number.NaN : (i - 300) * (j + 1) + j / 8);

/** A table of `rows` rows: 12 numeric columns, two text columns (one with missing cells), a date. */
function wideCsv(rows: number): string {
  const header = [...Array.from({ length: 12 }, (_, j) => `x${j}`), 'label', 'when', 'group'];
  const cells = Array.from({ length: rows }, (_, i) => [
    ...Array.from({ length: 12 }, (_, j) => (Number.isNaN(cell(i, j)) ? '' : cell(i, j))),
    i % 13 === 0 ? '' : `level${i % 5}`,
    `2020-0${1 + (i % 9)}-1${i % 10}`,
    ['a', 'b', 'c'][i % 3]!,
  ]);
  return csv(header, cells);
}

/** Scan every column of `relation` in `parts` over `connections` connections of one-thread DuckDB. */
async function scan(relation: string, parts: [number, number][], connections: number): Promise<{ counts: number[]; columns: TableColumn[] }> {
  return withConnections(connections, { threads: '1' }, async (open) => {
    const described = (await open[0]!.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)).getRows();
    const columns: ScanColumn[] = described.map(([name, type]) => {
      const numeric = type === 'DOUBLE' || type === 'BIGINT';
      return { name: String(name), numeric, expression: numeric ? `CAST("${String(name)}" AS DOUBLE)` : `CAST("${String(name)}" AS VARCHAR)` };
    });
    const rows = Number((await open[0]!.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRows()[0]![0]);
    const slots = numericSlots(columns.filter((c) => c.numeric).length, rows);
    let slot = 0;
    const sinks = columns.map((c) => (c.numeric ? new NumericSink(c.name, slots[slot++]!) : new TextColumnBuilder(c.name)));
    const counts = await scanInParts(open, relation, columns, sinks, parts);
    return { counts, columns: sinks.map((s) => s.build()) };
  });
}

describe('scanInParts', () => {
  it('reads a Parquet file of several row groups in parts, side by side, into the columns one scan reads', async () => {
    const path = tempFile('wide.csv', wideCsv(5000));
    const parquet = path.replace(/\.csv$/, '.parquet');
    await withConnections(1, {}, ([connection]) => connection!.run(`COPY (SELECT * FROM read_csv(${sqlString(path)})) TO ${sqlString(parquet)} (FORMAT parquet, ROW_GROUP_SIZE 1024)`));
    const relation = `read_parquet(${sqlString(parquet)})`;
    const whole = await scan(relation, [[0, 15]], 1);
    const parted = await scan(relation, [[0, 1], [1, 4], [4, 5], [5, 9], [9, 12], [12, 13], [13, 15]], 3);
    expect(whole.counts).toEqual([5000]);
    expect(parted.counts).toEqual(Array(7).fill(5000));
    expect(parted.columns).toEqual(whole.columns);
    // The parts hold the file's rows in its order, NULL as NaN (or no level), in the columns' order.
    expect(parted.columns.map((c) => c.name)).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10', 'x11', 'label', 'when', 'group']);
    parted.columns.slice(0, 12).forEach((column, j) => {
      expect(column.kind === 'number' && Array.from(column.values)).toEqual(Array.from({ length: 5000 }, (_, i) => cell(i, j)));
    });
    const label = parted.columns[12]!;
    expect(label.kind === 'text' && Array.from(label.codes.slice(0, 6), (k) => label.levels[k] ?? null)).toEqual([null, 'level1', 'level2', 'level3', 'level4', 'level0']);
  });

  it('gives readTable the same table from a Parquet file as from its CSV', async () => {
    const path = tempFile('wide.csv', wideCsv(3000));
    const parquet = path.replace(/\.csv$/, '.parquet');
    await withConnections(1, {}, ([connection]) => connection!.run(`COPY (SELECT * FROM read_csv(${sqlString(path)})) TO ${sqlString(parquet)} (FORMAT parquet)`));
    const [fromCsv, fromParquet] = [await readTable(path), await readTable(parquet)];
    expect(fromParquet.rows).toBe(3000);
    expect(fromParquet.columns).toEqual(fromCsv.columns);
  });

  it('names the first infinite cell of a Parquet file, past the first chunk, by column and row', async () => {
    const path = tempFile('inf.parquet', '');
    await withConnections(1, {}, ([connection]) =>
      connection!.run(`COPY (SELECT i::DOUBLE AS a, CASE WHEN i = 4500 THEN '-inf'::DOUBLE WHEN i = 4600 THEN 'inf'::DOUBLE ELSE i END AS b FROM range(5000) t(i)) TO ${sqlString(path)} (FORMAT parquet)`),
    );
    await expect(readTable(path)).rejects.toThrow(`${path}: column 'b', row 4501 is infinite`);
  });

  it('throws a part’s error once the other scans have ended', async () => {
    const path = tempFile('bad.csv', csv(['a', 'b'], [[1, 'x'], [2, 'y']]));
    const relation = `read_csv(${sqlString(path)})`;
    const failing = withConnections(2, { threads: '1' }, async (open) => {
      const columns: ScanColumn[] = [
        { name: 'a', numeric: true, expression: 'CAST(a AS DOUBLE)' },
        { name: 'b', numeric: true, expression: 'CAST(b AS DOUBLE)' },
        { name: 'a2', numeric: true, expression: 'a * 2' },
      ];
      const sinks = columns.map((c) => new NumericSink(c.name, new Float64Array(2)));
      return scanInParts(open, relation, columns, sinks, [[0, 1], [1, 2], [2, 3]]);
    });
    await expect(failing).rejects.toThrow(/Could not convert string 'x' to DOUBLE|Conversion Error/);
  });
});
