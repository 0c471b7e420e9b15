import { seededPermutation } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { loadBundledDataset, parseTable, prepareDesign, TabularInputError, unscaleTarget } from './index.js';

const csv = `a,b,color,y
1,10,red,3
2,,blue,5
3,30,red,7
4,40,green,9
5,50,blue,11
6,60,red,13
7,70,green,15
8,80,blue,NA
`;

describe('parseTable', () => {
  it('reads CSV with a header and JSON arrays of records', () => {
    const t = parseTable(csv, 'csv');
    expect(t.columns).toEqual(['a', 'b', 'color', 'y']);
    expect(t.records).toHaveLength(8);
    const j = parseTable('[{"x":1,"y":2},{"x":3,"y":4}]', 'json');
    expect(j.columns).toEqual(['x', 'y']);
  });
  it('refuses empty input, header-only CSV and JSON that is not an array of records', () => {
    expect(() => parseTable('  \n', 'csv', 'data.csv')).toThrow(/data.csv is empty/);
    expect(() => parseTable('a,b\n', 'csv', 'h.csv')).toThrow(/header but no rows/);
    expect(() => parseTable('{"a":1}', 'json')).toThrow(/array of records/);
    expect(() => parseTable('[1,2]', 'json')).toThrow(TabularInputError);
  });
});

describe('prepareDesign', () => {
  const table = parseTable(csv, 'csv');

  it('drops rows with missing values and counts them; uses numeric columns by default', () => {
    const d = prepareDesign(table, { target: 'y', testFraction: 0 });
    expect(d.droppedMissing).toBe(2);
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(d.ignoredColumns.map((c) => c.column)).toEqual(['color']);
    expect(d.train.x.rows).toBe(6);
  });

  it('standardises with the training rows only, and unscales back', () => {
    const d = prepareDesign(table, { target: 'y', testFraction: 0 });
    for (let j = 0; j < d.train.x.cols; j++) {
      const col = d.train.x.column(j);
      const mean = col.reduce((s, v) => s + v, 0) / col.length;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / (col.length - 1));
      expect(mean).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(1, 12);
    }
    const y = unscaleTarget(d.train.y.data, d.targetScaling);
    expect([...y].sort((p, q) => p - q)).toEqual([3, 7, 9, 11, 13, 15]);
    expect(() => unscaleTarget([1, Number.NaN], d.targetScaling)).toThrow(/value 1 is NaN; predictions must be finite/);
    expect(() => unscaleTarget([1], undefined as never)).toThrow(/needs the design's targetScaling/);
  });

  it('one-hot encodes a named text feature and refuses when asked to', () => {
    const d = prepareDesign(table, { target: 'y', features: ['a', 'color'], testFraction: 0, standardize: false });
    expect(d.featureNames).toEqual(['a', 'color=blue', 'color=green', 'color=red']);
    for (let i = 0; i < d.train.x.rows; i++) {
      expect(d.train.x.get(i, 1) + d.train.x.get(i, 2) + d.train.x.get(i, 3)).toBe(1);
    }
    expect(() => prepareDesign(table, { target: 'y', features: ['color'], categorical: 'refuse' })).toThrow(/not numeric/);
    expect(() => prepareDesign(table, { target: 'y', features: ['color'], maxLevels: 2 })).toThrow(/3 distinct text values/);
  });

  it('splits reproducibly with a seed into disjoint parts', () => {
    const t = parseTable(['x,y', ...Array.from({ length: 50 }, (_, i) => `${i},${2 * i}`)].join('\n'), 'csv');
    const d1 = prepareDesign(t, { target: 'y', testFraction: 0.2, seed: 7, standardize: false });
    const d2 = prepareDesign(t, { target: 'y', testFraction: 0.2, seed: 7, standardize: false });
    const d3 = prepareDesign(t, { target: 'y', testFraction: 0.2, seed: 8, standardize: false });
    expect(d1.test.y).toEqual(d2.test.y);
    expect(d1.test.y).not.toEqual(d3.test.y);
    expect(d1.train.y.rows + d1.test.y.rows).toBe(50);
    const all = new Set([...d1.train.y.data, ...d1.test.y.data]);
    expect(all.size).toBe(50);
  });

  it('names the problem for bad input', () => {
    expect(() => prepareDesign(table, { target: 'z' })).toThrow(/no column 'z'.*a, b, color, y/);
    const ids = parseTable(['x,id', ...Array.from({ length: 60 }, (_, i) => `${i},id${i}`)].join('\n'), 'csv');
    expect(() => prepareDesign(ids, { target: 'id' })).toThrow(/'id' has 60 distinct values, too many classes \(at most 50\); is it an identifier/);
    expect(() => prepareDesign(parseTable('x,c\n1,a\n2,a\n3,a', 'csv'), { target: 'c', testFraction: 0 })).toThrow(/single class 'a'/);
    expect(() => prepareDesign(table, { target: 'y', features: ['y'] })).toThrow(/cannot also be a feature/);
    const nan = parseTable('x,y\n1,2\nNaN,3\n4,5\n6,7', 'csv', 'nan.csv');
    expect(() => prepareDesign(nan, { target: 'y' })).toThrow(/nan.csv: column 'x', record 2 is NaN/);
    const tiny = parseTable('x,y\n1,2\n2,3\n3,', 'csv');
    expect(() => prepareDesign(tiny, { target: 'y', testFraction: 0 })).toThrow(/only 2 training rows/);
    const constant = parseTable('x,y\n1,2\n1,3\n1,4\n1,5', 'csv');
    expect(() => prepareDesign(constant, { target: 'y', testFraction: 0 })).toThrow(/every feature is constant/);
  });
});

describe('class targets', () => {
  const table = parseTable(csv, 'csv');

  it('turns a text target into one indicator column per class, centred on the training frequencies', () => {
    const d = prepareDesign(table, { target: 'color', features: ['a'], testFraction: 0 });
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
  });

  it('keeps 0/1 indicators without standardising, and reads numeric codes as classes when asked (sorted as numbers)', () => {
    const raw = prepareDesign(table, { target: 'color', features: ['a'], testFraction: 0, standardize: false });
    expect(raw.classes!.offsets).toEqual([0, 0, 0]);
    expect(new Set(raw.train.y.data)).toEqual(new Set([0, 1]));
    const codes = parseTable(['x,c', ...Array.from({ length: 12 }, (_, i) => `${i},${[3, 10, 4][i % 3]}`)].join('\n'), 'csv');
    expect(prepareDesign(codes, { target: 'c', testFraction: 0 }).classes).toBeUndefined();
    expect(prepareDesign(codes, { target: 'c', classes: true, testFraction: 0 }).classes!.names).toEqual(['3', '4', '10']);
  });

  it('labels the test rows with the same classes', () => {
    const d = prepareDesign(table, { target: 'color', features: ['a'], testFraction: 0.5, seed: 3 });
    expect(d.test.labels!.length).toBe(d.test.y.rows);
    for (let i = 0; i < d.test.y.rows; i++) expect(d.test.y.get(i, d.test.labels![i]!) + d.classes!.offsets[d.test.labels![i]!]!).toBe(1);
  });
});

describe('bundled datasets', () => {
  it('loads cars with its default task', () => {
    const ds = loadBundledDataset('cars');
    const d = prepareDesign(ds.table, { target: ds.target, features: ds.features });
    expect(d.featureNames).toEqual(['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration']);
    expect(d.droppedMissing).toBeGreaterThan(0);
    expect(d.train.y.rows + d.test.y.rows + d.droppedMissing).toBe(ds.table.records.length);
  });
  it('derives the day of the year for seattle-weather and loads gapminder', () => {
    const sw = loadBundledDataset('seattle-weather');
    expect(sw.table.records[0]!.day_of_year).toBe(1);
    const d = prepareDesign(sw.table, { target: sw.target, features: sw.features });
    expect(d.featureNames).toContain('day_of_year');
    expect(d.featureNames.some((f) => f.startsWith('weather='))).toBe(true);
    const gm = loadBundledDataset('gapminder');
    expect(prepareDesign(gm.table, { target: gm.target, features: gm.features }).train.x.cols).toBe(4);
    expect(() => loadBundledDataset('iris')).toThrow(/choose one of: cars/);
  });
  it('derives the departure hour for flights from its date', () => {
    const fl = loadBundledDataset('flights');
    expect(fl.table.records[0]!.time).toBeCloseTo(6 + 55 / 60, 12); // "2001/01/01 06:55"
    const d = prepareDesign(fl.table, { target: fl.target, features: fl.features });
    expect(d.featureNames).toEqual(['distance', 'time']);
    expect(d.train.x.rows + d.test.x.rows + d.droppedMissing).toBe(2000);
  });
});

/** A 120-row `a,b,c,y` table with c categorical x/y/z, like the sweep's files; cells overridable per column. */
function sweepTable(over: { a?: (i: number) => string; b?: (i: number) => string; y?: (i: number) => string } = {}) {
  const a = over.a ?? ((i: number) => String(Math.sin(i)));
  const b = over.b ?? ((i: number) => String(Math.cos(3 * i)));
  const y = over.y ?? ((i: number) => String(i % 11));
  const rows = Array.from({ length: 120 }, (_, i) => `${a(i)},${b(i)},${'xyz'[i % 3]},${y(i)}`);
  return parseTable(['a,b,c,y', ...rows].join('\n'), 'csv', 'data.csv');
}

describe('constant columns up to rounding', () => {
  it('refuses a target that is 0.1 in every row, and drops features that repeat an inexact value', () => {
    expect(() => prepareDesign(sweepTable({ y: () => '0.1' }), { target: 'y' })).toThrow("target 'y' is constant on the training rows; nothing to learn");
    const d = prepareDesign(sweepTable({ b: () => '1.2882' }), { target: 'y' });
    expect(d.featureNames).toEqual(['a']);
    expect(d.ignoredColumns).toContainEqual({ column: 'b', reason: 'constant on the training rows' });
    const allConstant = sweepTable({ a: () => '1.2882', b: () => '0.7' });
    expect(() => prepareDesign(allConstant, { target: 'y' })).toThrow(/every feature is constant/);
  });
});

describe('standardising at extreme magnitudes', () => {
  it('gives the same standardised values for a column scaled by 1e300, 1e-300, 1e154 or 1e-170', () => {
    const ref = prepareDesign(sweepTable(), { target: 'y' });
    for (const scale of [1e300, 1e-300, 1e154, 1e-170]) {
      const d = prepareDesign(sweepTable({ a: (i) => String(Math.sin(i) * scale), y: (i) => String((i % 11) * scale) }), { target: 'y' });
      expect(d.featureNames).toEqual(ref.featureNames);
      ref.train.x.data.forEach((v, k) => expect(d.train.x.data[k]).toBeCloseTo(v, 12));
      ref.train.y.data.forEach((v, k) => expect(d.train.y.data[k]).toBeCloseTo(v, 12));
      expect(d.targetScaling.sd / scale / ref.targetScaling.sd).toBeCloseTo(1, 12);
    }
  });

  it('refuses a column spanning more than the float64 range, rather than an infinite standardised value', () => {
    const huge = sweepTable({ a: (i) => (i % 5 ? '1.7e308' : '-1.7e308') });
    expect(() => prepareDesign(huge, { target: 'y' })).toThrow("column 'a' spans more than the float64 range (-1.7e+308 to 1.7e+308); rescale it");
  });
});

describe('input mistakes a sweep found', () => {
  it('names a stray text cell in a numeric column: refused in the target or a named feature, the reason a default feature is skipped', () => {
    const stray = sweepTable({ a: (i) => (i === 40 ? 'abc' : String(i)) });
    const message = "data.csv: column 'a', record 41 is 'abc' in an otherwise numeric column; replace it with a number or leave it empty";
    expect(() => prepareDesign(stray, { target: 'y', features: ['a', 'b'] })).toThrow(message);
    expect(() => prepareDesign(stray, { target: 'a' })).toThrow(message);
    expect(prepareDesign(stray, { target: 'y' }).ignoredColumns).toContainEqual({ column: 'a', reason: message });
    // A column of small counts with one '5+' is a category the user may one-hot encode by naming it.
    const rooms = sweepTable({ a: (i) => (i === 40 ? '5+' : String(i % 5)) });
    expect(prepareDesign(rooms, { target: 'y', features: ['a'] }).featureNames).toContain('a=5+');
    const text = 'a,y\n' + Array.from({ length: 120 }, (_, i) => `${i},${i === 7 ? '"1,234"' : i * 3}`).join('\n');
    expect(() => prepareDesign(parseTable(text, 'csv', 'data.csv'), { target: 'y' })).toThrow(/column 'y', record 8 is '1,234', a number with a thousands separator/);
  });

  it('still one-hot encodes c and reads a text class target', () => {
    const d = prepareDesign(sweepTable(), { target: 'y', features: ['a', 'c'] });
    expect(d.featureNames).toEqual(['a', 'c=x', 'c=y', 'c=z']);
    expect(prepareDesign(sweepTable(), { target: 'c' }).classes!.names).toEqual(['x', 'y', 'z']);
  });

  it('refuses options a slip would turn into a confusing error or a silent default, and a JSON array in a cell', () => {
    const table = sweepTable();
    expect(() => prepareDesign(table, undefined as never)).toThrow(/name the target column/);
    expect(() => prepareDesign(table, { targt: 'y' } as never)).toThrow(/name the target column/);
    expect(() => prepareDesign(table, { target: 'y', seed: Number.NaN })).toThrow(/seed must be an integer, got NaN/);
    expect(() => prepareDesign(table, { target: 'y', categorical: 'drop' as 'refuse' })).toThrow(/unknown categorical 'drop'; use onehot or refuse/);
    expect(() => prepareDesign(table, { target: 'y', maxLevels: -1 })).toThrow(/maxLevels must be an integer ≥ 2, got -1/);
    const json = parseTable(JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ a: i === 3 ? [1] : i, y: 2 * i }))), 'json', 'data.json');
    expect(() => prepareDesign(json, { target: 'y' })).toThrow(/column 'a', record 4 is \[1\], a JSON array, not a single value/);
  });

  it('refuses a feature named twice', () => {
    expect(() => prepareDesign(sweepTable(), { target: 'y', features: ['a', 'a'] })).toThrow("feature 'a' is named twice; give each feature once");
  });

  it('hints at a semicolon-separated file', () => {
    const semi = parseTable('a;b;c;y\n1;2;x;3\n4;5;y;6\n', 'csv', 'data.csv');
    expect(() => prepareDesign(semi, { target: 'y' })).toThrow(
      "data.csv has no column 'y' (the target); its columns are: a;b;c;y; the file looks semicolon-separated: save it comma- or tab-separated (or convert it)",
    );
  });

  it('names a class that falls only in the test split', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i === 0 ? 'B' : 'A'}`);
    const table = parseTable(['x,k', ...rows].join('\n'), 'csv');
    expect(prepareDesign(table, { target: 'k', testFraction: 0 }).classes!.names).toEqual(['A', 'B']);
    // The split holds out the last 4 of the seeded order: pick a seed that holds out row 0, the only 'B'.
    const seed = [...Array(100).keys()].find((s) => seededPermutation(20, s).slice(16).includes(0))!;
    expect(() => prepareDesign(table, { target: 'k', testFraction: 0.2, seed })).toThrow(
      "target 'k' has a single class 'A' on the training rows (the test split holds every row of 'B'); add rows of the other classes",
    );
  });
});
