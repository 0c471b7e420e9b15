import { seededPermutation } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { loadBundledDataset, prepareDesign, tableFromColumns, TabularInputError, unscaleTarget } from './index.js';
import { csv, readText } from './test-utils.js';

/** a, b numeric (b with a missing cell), color text, y numeric with one missing target. */
const small = () =>
  tableFromColumns('data.csv', {
    a: [1, 2, 3, 4, 5, 6, 7, 8],
    b: [10, null, 30, 40, 50, 60, 70, 80],
    color: ['red', 'blue', 'red', 'green', 'blue', 'red', 'green', 'blue'],
    y: [3, 5, 7, 9, 11, 13, 15, null],
  });

describe('prepareDesign: columns and rows', () => {
  it('drops only the row without a target, imputes the feature cell, one-hot encodes text by default', () => {
    const d = prepareDesign(small(), { target: 'y', testFraction: 0 });
    expect(d.droppedMissing).toBe(1);
    expect(d.missing.droppedTarget).toBe(1);
    expect(d.usedColumns).toEqual(['a', 'b', 'color']);
    expect(d.featureNames).toEqual(['a', 'b', 'color=blue', 'color=green', 'color=red']);
    expect(d.train.x.rows).toBe(7);
    expect(d.missing.imputed).toEqual([{ column: 'b', train: 1, test: 0 }]);
    // The fill is the median of b's observed training cells (10, 30, 40, 50, 60, 70), in raw units.
    const b = d.preprocessing.columns[1]!;
    expect(b.encoding === 'value' && b.fill).toBe(45);
  });

  it('standardises with the training rows only, and unscales back', () => {
    const d = prepareDesign(small(), { target: 'y', testFraction: 0 });
    for (let j = 0; j < d.train.x.cols; j++) {
      const col = d.train.x.column(j);
      const mean = col.reduce((s, v) => s + v, 0) / col.length;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / (col.length - 1));
      expect(mean).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(1, 12);
    }
    const y = unscaleTarget(d.train.y.data, d.targetScaling);
    expect([...y].sort((p, q) => p - q)).toEqual([3, 5, 7, 9, 11, 13, 15]);
    expect(() => unscaleTarget([1, Number.NaN], d.targetScaling)).toThrow(/value 1 is NaN; predictions must be finite/);
    expect(() => unscaleTarget([1], undefined as never)).toThrow(/needs the design's targetScaling/);
  });

  it('one-hot encodes a named text feature (indicators summing to 1) and refuses when asked to', () => {
    const d = prepareDesign(small(), { target: 'y', features: ['a', 'color'], testFraction: 0, standardize: false });
    expect(d.featureNames).toEqual(['a', 'color=blue', 'color=green', 'color=red']);
    for (let i = 0; i < d.train.x.rows; i++) expect(d.train.x.get(i, 1) + d.train.x.get(i, 2) + d.train.x.get(i, 3)).toBe(1);
    expect(() => prepareDesign(small(), { target: 'y', features: ['color'], categorical: 'refuse' })).toThrow(/feature 'color' is text \(and --categorical refuse is set\)/);
    expect(() => prepareDesign(small(), { target: 'y', features: ['color'], maxLevels: 2 })).toThrow(/3 distinct values, more than the one-hot limit of 2/);
    const skipped = prepareDesign(small(), { target: 'y', maxLevels: 2 });
    expect(skipped.ignoredColumns).toEqual([{ column: 'color', reason: 'text with 3 distinct values, more than the one-hot limit of 2 (--max-levels)' }]);
  });

  it('splits reproducibly with a seed into disjoint parts that hold every kept row', () => {
    const t = tableFromColumns('t', { x: Array.from({ length: 50 }, (_, i) => i), y: Array.from({ length: 50 }, (_, i) => 2 * i) });
    const d1 = prepareDesign(t, { target: 'y', testFraction: 0.2, seed: 7, standardize: false });
    const d2 = prepareDesign(t, { target: 'y', testFraction: 0.2, seed: 7, standardize: false });
    const d3 = prepareDesign(t, { target: 'y', testFraction: 0.2, seed: 8, standardize: false });
    expect(d1.test.y).toEqual(d2.test.y);
    expect(d1.test.y).not.toEqual(d3.test.y);
    expect(d1.test.y.rows).toBe(10);
    expect(new Set([...d1.train.y.data, ...d1.test.y.data]).size).toBe(50);
    // The split's table rows say where each design row came from.
    d1.test.rows.forEach((row, r) => expect(d1.test.y.get(r, 0)).toBe(2 * row));
  });

  it('names the problem for bad input', () => {
    expect(() => prepareDesign(small(), { target: 'z' })).toThrow(/no column 'z'.*a, b, color, y/);
    const ids = tableFromColumns('t', { x: Array.from({ length: 60 }, (_, i) => i), id: Array.from({ length: 60 }, (_, i) => `id${i}`) });
    expect(() => prepareDesign(ids, { target: 'id' })).toThrow(/'id' has 60 distinct values, too many classes \(at most 50\); is it an identifier/);
    expect(() => prepareDesign(tableFromColumns('t', { x: [1, 2, 3], c: ['a', 'a', 'a'] }), { target: 'c', testFraction: 0 })).toThrow(/single class 'a'/);
    expect(() => prepareDesign(small(), { target: 'y', features: ['y'] })).toThrow(/cannot also be a feature/);
    expect(() => prepareDesign(tableFromColumns('t', { x: [1, 2, 3], y: [2, 3, null] }), { target: 'y', testFraction: 0 })).toThrow(/only 2 training rows/);
    expect(() => prepareDesign(tableFromColumns('t', { x: [1, 1, 1, 1], y: [2, 3, 4, 5] }), { target: 'y', testFraction: 0 })).toThrow(/no usable feature column \('x' constant on the training rows\)/);
    expect(() => prepareDesign(tableFromColumns('t', { x: [1, 2, 3], y: [null, null, null] }), { target: 'y' })).toThrow(/the target 'y' is missing on every row/);
  });
});

/** n rows of x1..x3 with a fraction q of cells missing at random (seeded), y = x1 − x2 + noise-free. */
function holey(n: number, q: number, seed = 1) {
  let state = seed;
  const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cell = (v: number) => (uniform() < q ? null : v);
  const x = [0, 1, 2].map((j) => Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1)) + j));
  return tableFromColumns('holey', {
    x1: x[0]!.map(cell),
    x2: x[1]!.map(cell),
    x3: x[2]!.map(cell),
    y: x[0]!.map((v, i) => v - x[1]![i]!),
  });
}

describe('missing feature cells (math.md §7.1)', () => {
  it('keeps every row with a target, and counts each filled cell once on the split it is in', () => {
    const table = holey(200, 0.1);
    const d = prepareDesign(table, { target: 'y' });
    expect(d.train.x.rows + d.test.x.rows).toBe(200);
    const missingCells = table.columns.slice(0, 3).reduce((s, c) => s + (c.kind === 'number' ? c.values.filter(Number.isNaN).length : 0), 0);
    expect(d.missing.imputed.reduce((s, c) => s + c.train + c.test, 0)).toBe(missingCells);
    expect(d.train.x.data.every(Number.isFinite) && d.test.x.data.every(Number.isFinite)).toBe(true);
  });

  it('fits on the training rows alone: changing test rows changes neither the fill values nor the training design', () => {
    const table = holey(120, 0.15);
    const d = prepareDesign(table, { target: 'y', seed: 3 });
    const changed = holey(120, 0.15);
    for (const row of d.test.rows) for (const c of changed.columns) if (c.kind === 'number' && !Number.isNaN(c.values[row]!)) c.values[row] = 1e6 + row;
    const e = prepareDesign(changed, { target: 'y', seed: 3 });
    expect(e.preprocessing.columns).toEqual(d.preprocessing.columns);
    expect(e.train.x.data).toEqual(d.train.x.data);
    expect(e.test.x.data).not.toEqual(d.test.x.data);
  });

  it('fills with the mean when asked, and with impute drop keeps only complete rows (complete cases)', () => {
    const table = holey(200, 0.1);
    const mean = prepareDesign(table, { target: 'y', impute: 'mean', testFraction: 0, standardize: false });
    mean.preprocessing.columns.forEach((c, j) => {
      const column = table.columns[j]!;
      const observed = column.kind === 'number' ? column.values.filter((v) => !Number.isNaN(v)) : new Float64Array();
      expect(c.encoding === 'value' && c.fill).toBeCloseTo(observed.reduce((s, v) => s + v, 0) / observed.length, 12);
    });
    const drop = prepareDesign(table, { target: 'y', impute: 'drop', testFraction: 0 });
    const complete = Array.from({ length: 200 }, (_, i) => i).filter((i) => table.columns.every((c) => c.kind !== 'number' || !Number.isNaN(c.values[i]!)));
    expect(drop.train.x.rows).toBe(complete.length);
    expect(drop.missing.droppedIncomplete).toBe(200 - complete.length);
    expect(drop.missing.imputed).toEqual([]);
  });

  it('adds missing indicators on request, marking exactly the filled cells', () => {
    const d = prepareDesign(holey(150, 0.2), { target: 'y', missingIndicators: true, testFraction: 0, standardize: false });
    expect(d.featureNames).toEqual(['x1', 'x1 (missing)', 'x2', 'x2 (missing)', 'x3', 'x3 (missing)']);
    const flagged = [1, 3, 5].reduce((s, j) => s + d.train.x.column(j).reduce((t, v) => t + v, 0), 0);
    expect(flagged).toBe(d.missing.imputed.reduce((s, c) => s + c.train, 0));
  });

  it('skips a column missing on more than the limit (refuses it when named), and one missing everywhere', () => {
    const table = tableFromColumns('t', {
      sparse: Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? i : null)),
      empty: Array.from({ length: 40 }, () => null),
      x: Array.from({ length: 40 }, (_, i) => i * i),
      y: Array.from({ length: 40 }, (_, i) => i),
    });
    const d = prepareDesign(table, { target: 'y', testFraction: 0 });
    expect(d.usedColumns).toEqual(['x']);
    expect(d.ignoredColumns).toEqual([
      { column: 'sparse', reason: 'missing on 75% of the training rows, more than the limit of 50% (--max-missing)' },
      { column: 'empty', reason: 'missing on every training row' },
    ]);
    expect(prepareDesign(table, { target: 'y', testFraction: 0, maxMissing: 0.8 }).usedColumns).toEqual(['sparse', 'x']);
    expect(() => prepareDesign(table, { target: 'y', features: ['sparse'] })).toThrow(/feature 'sparse' is missing on \d+% of the training rows, more than the limit of 50%/);
  });

  it('imputes a text cell per level indicator, and reads a wide table with scattered gaps without losing a row', () => {
    const color = prepareDesign(tableFromColumns('t', { c: ['a', 'a', 'b', null, 'a', 'b'], y: [1, 2, 3, 4, 5, 6] }), { target: 'y', testFraction: 0, standardize: false });
    expect(color.train.x.data.slice(3 * 2, 3 * 2 + 2)).toEqual(new Float64Array([1, 0])); // the row with no level: the median of each indicator
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, j) => [`p${j}`, Array.from({ length: 60 }, (_, i) => ((i * 7 + j * 13) % 50 === 0 ? null : Math.cos(i + j)))]));
    const d = prepareDesign(tableFromColumns('wide', { ...wide, y: Array.from({ length: 60 }, (_, i) => i) }), { target: 'y' });
    expect(d.train.x.rows + d.test.x.rows).toBe(60);
    expect(d.featureNames).toHaveLength(300);
  });
});

describe('class targets', () => {
  it('turns a text target into one indicator column per class, centred on the training frequencies', () => {
    const d = prepareDesign(small(), { target: 'color', features: ['a'], testFraction: 0 });
    expect(d.classes!.names).toEqual(['blue', 'green', 'red']);
    expect(d.train.y.cols).toBe(3);
    const labels = [...d.train.labels!].map((k) => d.classes!.names[k]);
    expect(labels.sort()).toEqual(['blue', 'blue', 'blue', 'green', 'green', 'red', 'red', 'red']);
    d.classes!.offsets.forEach((offset, k) => {
      const column = d.train.y.column(k);
      expect(column.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
      for (let i = 0; i < column.length; i++) expect(column[i]! + offset).toBe(d.train.labels![i] === k ? 1 : 0);
    });
    expect(d.classes!.offsets.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(d.targetScaling).toEqual({ mean: 0, sd: 1 });
    expect(d.preprocessing.target).toEqual({ name: 'color', kind: 'classes', labels: d.classes!.names, offsets: d.classes!.offsets });
  });

  it('keeps 0/1 indicators without standardising, and reads numeric codes as classes when asked (sorted as numbers)', () => {
    const raw = prepareDesign(small(), { target: 'color', features: ['a'], testFraction: 0, standardize: false });
    expect(raw.classes!.offsets).toEqual([0, 0, 0]);
    expect(new Set(raw.train.y.data)).toEqual(new Set([0, 1]));
    const codes = tableFromColumns('t', { x: Array.from({ length: 12 }, (_, i) => i), c: Array.from({ length: 12 }, (_, i) => [3, 10, 4][i % 3]!) });
    expect(prepareDesign(codes, { target: 'c', testFraction: 0 }).classes).toBeUndefined();
    expect(prepareDesign(codes, { target: 'c', classes: true, testFraction: 0 }).classes!.names).toEqual(['3', '4', '10']);
  });

  it('names a class that falls only in the test split', () => {
    const table = tableFromColumns('t', { x: Array.from({ length: 20 }, (_, i) => i), k: Array.from({ length: 20 }, (_, i) => (i === 0 ? 'B' : 'A')) });
    expect(prepareDesign(table, { target: 'k', testFraction: 0 }).classes!.names).toEqual(['A', 'B']);
    const seed = [...Array(100).keys()].find((s) => seededPermutation(20, s).slice(16).includes(0))!;
    expect(() => prepareDesign(table, { target: 'k', testFraction: 0.2, seed })).toThrow(
      "target 'k' has a single class 'A' on the training rows (the test split holds every row of 'B'); add rows of the other classes",
    );
  });
});

describe('bundled datasets, through the same reader', () => {
  it('loads cars with its default task: the year as a number, the origin one-hot, the name skipped with why', async () => {
    const ds = await loadBundledDataset('cars');
    const d = prepareDesign(ds.table, { target: ds.target, features: ds.features });
    expect(d.usedColumns).toEqual(['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Year', 'Origin']);
    expect(d.ignoredColumns.map((c) => c.column)).toEqual(['Name']);
    expect(d.missing.droppedTarget).toBe(8);
    expect(d.train.y.rows + d.test.y.rows + d.droppedMissing).toBe(ds.table.rows);
  });

  it('derives the day of the year for seattle-weather, the departure hour for flights, and loads gapminder', async () => {
    const sw = await loadBundledDataset('seattle-weather');
    const day = sw.table.columns.find((c) => c.name === 'day_of_year')!;
    expect(day.kind === 'number' && day.values[0]).toBe(1);
    const d = prepareDesign(sw.table, { target: sw.target, features: sw.features });
    expect(d.featureNames.some((f) => f.startsWith('weather='))).toBe(true);
    const fl = await loadBundledDataset('flights');
    const time = fl.table.columns.find((c) => c.name === 'time')!;
    expect(time.kind === 'number' && time.values[0]).toBeCloseTo(6 + 55 / 60, 12); // "2001/01/01 06:55"
    expect(prepareDesign(fl.table, { target: fl.target, features: fl.features }).featureNames).toEqual(['distance', 'time']);
    const gm = await loadBundledDataset('gapminder');
    expect(prepareDesign(gm.table, { target: gm.target, features: gm.features }).train.x.cols).toBe(4);
    await expect(loadBundledDataset('iris')).rejects.toThrow(/choose one of: cars/);
  });
});

/** A 120-row `a,b,c,y` table with c categorical x/y/z, like the sweep's files; cells overridable per column. */
function sweepTable(over: { a?: (i: number) => string; b?: (i: number) => string; y?: (i: number) => string } = {}) {
  const a = over.a ?? ((i: number) => String(Math.sin(i)));
  const b = over.b ?? ((i: number) => String(Math.cos(3 * i)));
  const y = over.y ?? ((i: number) => String(i % 11));
  const rows = Array.from({ length: 120 }, (_, i) => [a(i), b(i), 'xyz'[i % 3]!, y(i)]);
  return readText(csv(['a', 'b', 'c', 'y'], rows));
}

describe('constant columns up to rounding', () => {
  it('refuses a target that is 0.1 in every row, and drops features that repeat an inexact value', async () => {
    expect(() => prepareDesign(sweepTableSync.y01, { target: 'y' })).toThrow("target 'y' is constant on the training rows; nothing to learn");
    const d = prepareDesign(await sweepTable({ b: () => '1.2882' }), { target: 'y', features: ['a', 'b'] });
    expect(d.featureNames).toEqual(['a']);
    expect(d.ignoredColumns).toContainEqual({ column: 'b', reason: 'constant on the training rows' });
  });
});

const sweepTableSync = { y01: tableFromColumns('t', { a: Array.from({ length: 30 }, (_, i) => i), y: Array.from({ length: 30 }, () => 0.1) }) };

describe('standardising at extreme magnitudes', () => {
  it('gives the same standardised values for a column scaled by 1e300, 1e-300, 1e154 or 1e-170', async () => {
    const ref = prepareDesign(await sweepTable(), { target: 'y' });
    for (const scale of [1e300, 1e-300, 1e154, 1e-170]) {
      const d = prepareDesign(await sweepTable({ a: (i) => String(Math.sin(i) * scale), y: (i) => String((i % 11) * scale) }), { target: 'y' });
      expect(d.featureNames).toEqual(ref.featureNames);
      ref.train.x.data.forEach((v, k) => expect(d.train.x.data[k]).toBeCloseTo(v, 12));
      ref.train.y.data.forEach((v, k) => expect(d.train.y.data[k]).toBeCloseTo(v, 12));
      expect(d.targetScaling.sd / scale / ref.targetScaling.sd).toBeCloseTo(1, 12);
    }
  });

  it('refuses a column spanning more than the float64 range, rather than an infinite standardised value', async () => {
    const huge = await sweepTable({ a: (i) => (i % 5 ? '1.7e308' : '-1.7e308') });
    expect(() => prepareDesign(huge, { target: 'y' })).toThrow("column 'a' spans more than the float64 range (-1.7e+308 to 1.7e+308); rescale it");
  });
});

describe('input mistakes a sweep found', () => {
  it('names a stray text cell in a numeric column: refused in the target or a named feature, the reason a default feature is skipped', async () => {
    const stray = await sweepTable({ a: (i) => (i === 40 ? 'abc' : String(i)) });
    const message = "data.csv: column 'a', row 41 is 'abc' in an otherwise numeric column; replace it with a number or leave it empty";
    expect(() => prepareDesign(stray, { target: 'y', features: ['a', 'b'] })).toThrow(message);
    expect(() => prepareDesign(stray, { target: 'a' })).toThrow(message);
    expect(prepareDesign(stray, { target: 'y' }).ignoredColumns).toContainEqual({ column: 'a', reason: `numeric but for a stray text cell (${message.replace(/^.*?data\.csv/, stray.source)})` });
    const thousands = await readText('a,y\n' + Array.from({ length: 120 }, (_, i) => `${i},${i === 7 ? '"1,234"' : i * 3}`).join('\n'));
    expect(() => prepareDesign(thousands, { target: 'y' })).toThrow(/column 'y', row 8 is '1,234', a number with a thousands separator; write it without separators \(1234\)/);
  });

  it('refuses options a slip would turn into a confusing error or a silent default', () => {
    const table = small();
    expect(() => prepareDesign(table, undefined as never)).toThrow(/name the target column/);
    expect(() => prepareDesign(table, { targt: 'y' } as never)).toThrow(/name the target column/);
    expect(() => prepareDesign(table, { target: 'y', seed: Number.NaN })).toThrow(/seed must be an integer, got NaN/);
    expect(() => prepareDesign(table, { target: 'y', categorical: 'drop' as 'refuse' })).toThrow(/unknown categorical 'drop'; use onehot or refuse/);
    expect(() => prepareDesign(table, { target: 'y', maxLevels: -1 })).toThrow(/maxLevels must be an integer ≥ 2, got -1/);
    expect(() => prepareDesign(table, { target: 'y', impute: 'zero' as 'mean' })).toThrow(/unknown impute 'zero'; use median, mean, drop/);
    expect(() => prepareDesign(table, { target: 'y', maxMissing: 2 })).toThrow(TabularInputError);
    expect(() => prepareDesign(table, { target: 'y', features: ['a', 'a'] })).toThrow("feature 'a' is named twice; give each feature once");
  });
});
