import { describe, expect, it } from 'vitest';
import { KernelInputError } from './errors.js';
import { checkedLandmarks, LANDMARK_METHODS, selectLandmarks, SKETCH_COLUMNS } from './landmarks.js';
import { inputs } from './test-utils.js';

/** 50 points in [−1, 1]² and 50 around (100, 100): two clusters 140 apart. */
const twoClusters = () => [...inputs(50, 2, 1), ...inputs(50, 2, 2).map(([a, b]) => [a! + 100, b! + 100])];

describe('selectLandmarks', () => {
  it.each(LANDMARK_METHODS)('%s returns sorted, distinct row indices, the same for the same seed', (method) => {
    const x = inputs(200, 3);
    const picked = selectLandmarks(x, 40, method, 7);
    expect(picked).toHaveLength(40);
    expect(new Set(picked).size).toBe(40);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    expect(picked.every((i) => Number.isInteger(i) && i >= 0 && i < 200)).toBe(true);
    expect(selectLandmarks(x, 40, method, 7)).toEqual(picked);
    expect(selectLandmarks(x, 40, method, 8)).not.toEqual(picked);
    expect(selectLandmarks(x, 200, method, 3)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('k-means++ takes a landmark from each of two far clusters, for every seed', () => {
    const x = twoClusters();
    for (let seed = 0; seed < 20; seed++) {
      const [first, second] = selectLandmarks(x, 2, 'kmeans++', seed);
      // The second draw has probability ∝ D²: the far cluster holds all but ~1e-3 of it.
      expect([first! < 50, second! < 50]).toEqual([true, false]);
    }
  });

  it('k-means++ on wide inputs (seeded through a sketch) still finds each of four far clusters, reproducibly', () => {
    const d = 4 * SKETCH_COLUMNS;
    // Four clusters of 30 rows in d dimensions, centres 400·√2 apart, noise in [−1, 1] per column (D² odds of a repeat cluster ≈ 1e-4 a draw).
    const x = inputs(120, d, 5).map((row, i) => row.map((v, j) => v + (j === Math.floor(i / 30) ? 400 : 0)));
    for (let seed = 0; seed < 10; seed++) {
      const picked = selectLandmarks(x, 4, 'kmeans++', seed);
      expect(new Set(picked.map((i) => Math.floor(i / 30))).size).toBe(4);
      expect(selectLandmarks(x, 4, 'kmeans++', seed)).toEqual(picked);
    }
  });

  it('k-means++ still returns distinct rows when the inputs repeat', () => {
    const x = Array.from({ length: 12 }, (_, i) => [i % 3, 0]);
    const picked = selectLandmarks(x, 8, 'kmeans++', 1);
    expect(new Set(picked).size).toBe(8);
    // The first three draws cover the three distinct points before any duplicate is taken.
    expect(new Set(selectLandmarks(x, 3, 'kmeans++', 4).map((i) => i % 3)).size).toBe(3);
  });

  it('rejects a count out of range, a bad method or seed, with the fix', () => {
    const x = inputs(10, 2);
    expect(() => selectLandmarks(x, 11, 'uniform', 0)).toThrow(/from 1 to the 10 rows of x, got 11/);
    expect(() => selectLandmarks(x, 0, 'uniform', 0)).toThrow(KernelInputError);
    expect(() => selectLandmarks(x, 2.5, 'uniform', 0)).toThrow(/got 2.5/);
    expect(() => selectLandmarks(x, 3, 'leverage' as never, 0)).toThrow(/leverage is not known; use uniform or kmeans\+\+/);
    expect(() => selectLandmarks(x, 3, 'uniform', 0.5)).toThrow(/seed must be an integer/);
  });
});

describe('checkedLandmarks', () => {
  it('sorts given indices and rejects repeats, rows that do not exist and empty lists', () => {
    expect(checkedLandmarks([5, 1, 3], 6)).toEqual([1, 3, 5]);
    expect(() => checkedLandmarks([1, 1], 6)).toThrow(/index 1 appears twice/);
    expect(() => checkedLandmarks([6], 6)).toThrow(/6 is not a row of x; use integers from 0 to 5/);
    expect(() => checkedLandmarks([], 6)).toThrow(/from 1 to 6 landmark indices/);
  });
});
