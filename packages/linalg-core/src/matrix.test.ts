import { Matrix as MlMatrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { LinalgInputError, Matrix64, toMatrix64 } from './index.js';

describe('Matrix64', () => {
  const rows = [
    [1, 2, 3],
    [4, 5, 6],
  ];

  it('stores row-major and converts to and from nested arrays and ml-matrix', () => {
    const m = Matrix64.from(rows);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.get(1, 2)).toBe(6);
    expect(m.toArray()).toEqual(rows);
    expect(Matrix64.fromMlMatrix(m.toMlMatrix()).toArray()).toEqual(rows);
    expect(toMatrix64(new MlMatrix(rows)).toArray()).toEqual(rows);
    expect(toMatrix64(m)).toBe(m);
  });

  it('selects columns as runs, in the order asked, after an offset', () => {
    const m = Matrix64.from([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
    expect(m.selectColumns([0, 1, 2, 4]).toArray()).toEqual([
      [1, 2, 3, 5],
      [6, 7, 8, 10],
    ]);
    expect(m.selectColumns([3, 1], 1).toArray()).toEqual([
      [0, 4, 2],
      [0, 9, 7],
    ]);
    expect(() => m.selectColumns([5])).toThrow(/column 5 is not one of 0..4/);
  });

  it('transposes, views rows, copies columns and clones', () => {
    const m = Matrix64.from(rows);
    expect(m.transpose().toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    m.row(0)[0] = 10;
    expect(m.get(0, 0)).toBe(10);
    expect(Array.from(m.column(1))).toEqual([2, 5]);
    const c = m.clone();
    c.set(0, 0, -1);
    expect(m.get(0, 0)).toBe(10);
    expect(Matrix64.identity(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('rejects ragged rows, bad sizes and wrong data lengths', () => {
    expect(() => Matrix64.from([[1, 2], [3]])).toThrow(/row 1/);
    expect(() => new Matrix64(-1, 2)).toThrow(LinalgInputError);
    expect(() => new Matrix64(2, 2, new Float64Array(3))).toThrow(/needs 4 entries/);
  });
});
