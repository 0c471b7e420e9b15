import { describe, expect, it } from 'vitest';
import {
  LinalgInputError,
  Matrix64,
  assertSymmetricInput,
  cholesky,
  choleskySolve,
  eigSym,
  gemm,
  solveSpd,
  thinQr,
} from './index.js';

describe('input validation through the public API', () => {
  it('refuses a non-square matrix', () => {
    expect(() => eigSym([[1, 2, 3]])).toThrow(/must be square, got 1×3/);
    expect(() => cholesky(new Matrix64(2, 3))).toThrow(LinalgInputError);
  });

  it('names the worst asymmetry and where it is', () => {
    const a = Matrix64.from([
      [1, 2, 3],
      [2, 1, 5],
      [3, 5.5, 1],
    ]);
    expect(() => eigSym(a)).toThrow(/not symmetric: \|a\(2,1\) − a\(1,2\)\| = 0\.500/);
    // A looser tolerance accepts it.
    expect(eigSym(a, { symmetryTolerance: 0.2, vectors: 'none' }).values.length).toBe(3);
  });

  it('accepts rounding-level asymmetry', () => {
    expect(() => assertSymmetricInput(Matrix64.from([[1, 2], [2 + 1e-14, 1]]), 'A')).not.toThrow();
  });

  it('finds a non-finite entry anywhere, in the four-way unrolled part or the tail', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let at = 0; at < 9; at++) {
        const m = new Matrix64(3, 3, Float64Array.from({ length: 9 }, (_, k) => (k === at ? bad : -k - 0.5)));
        expect(() => gemm(m, Matrix64.identity(3))).toThrow(`non-finite entry ${bad} at (${Math.floor(at / 3)}, ${at % 3})`);
      }
    }
    expect(() => gemm(new Matrix64(3, 3, new Float64Array(9).fill(-1e308)), Matrix64.identity(3))).not.toThrow();
  });

  it('names a NaN or infinite entry', () => {
    expect(() => eigSym([[1, NaN], [NaN, 1]])).toThrow(/non-finite entry NaN at \(0, 1\)/);
    expect(() => eigSym([[1, 0], [0, Infinity]])).toThrow(/Infinity at \(1, 1\)/);
    expect(() => eigSym([[1, 0], [0, 1]], { vectors: [[1], [NaN]] })).toThrow(/\(1, 0\)/);
  });

  it('refuses right-hand sides of the wrong height', () => {
    expect(() => eigSym([[1, 0], [0, 1]], { vectors: [[1]] })).toThrow(/has 1 rows but the matrix has 2/);
  });

  it('refuses a non-finite or negative symmetryTolerance, naming the option', () => {
    const skew = [[1, 2], [3, 1]];
    for (const t of [NaN, Infinity, -1]) {
      expect(() => eigSym(skew, { symmetryTolerance: t })).toThrow(LinalgInputError);
      expect(() => eigSym(skew, { symmetryTolerance: t })).toThrow(/symmetryTolerance must be a finite number ≥ 0, got/);
    }
    // A large but finite tolerance is a legitimate choice and still applies.
    expect(eigSym(skew, { symmetryTolerance: 1 }).n).toBe(2);
  });

  it('refuses an empty matrix before the backend sees it', () => {
    expect(() => cholesky([])).toThrow(LinalgInputError);
    expect(() => cholesky([])).toThrow(/0×0; it needs at least one row and one column/);
    expect(() => solveSpd([], [])).toThrow(/cholesky: A is 0×0/);
    expect(() => choleskySolve(new Matrix64(0, 0), [])).toThrow(/factor is 0×0/);
    expect(() => thinQr(new Matrix64(3, 0))).toThrow(/thinQr: A is 3×0/);
  });

  it('refuses a Cholesky factor with a zero diagonal instead of returning Infinity', () => {
    const singular = new Matrix64(2, 2, Float64Array.from([0, 0, 0, 1]));
    expect(() => choleskySolve(singular, [[1], [2]])).toThrow(/zero diagonal entry at \(0, 0\)/);
    const nan = new Matrix64(2, 2, Float64Array.from([1, 0, NaN, 1]));
    expect(() => choleskySolve(nan, [[1], [2]])).toThrow(/non-finite entry NaN at \(1, 0\)/);
    const tiny = new Matrix64(2, 2, Float64Array.from([1e-300, 0, 0, 1]));
    expect(() => choleskySolve(tiny, [[1], [2]])).toThrow(/numerically singular/);
    expect(choleskySolve(new Matrix64(1, 1, Float64Array.from([2])), [[8]]).get(0, 0)).toBe(2);
  });

  it('refuses ragged rows and 1-D arrays where a matrix is expected', () => {
    const spd = [[2, 0], [0, 2]];
    expect(() => solveSpd(spd, [1, 2] as unknown as number[][])).toThrow(LinalgInputError);
    expect(() => solveSpd(spd, [1, 2] as unknown as number[][])).toThrow(/1-D array was given where a matrix is expected/);
    expect(() => eigSym([[1, 2], [3]])).toThrow(LinalgInputError);
    expect(() => eigSym([[1, 2], [3]])).toThrow(/ragged rows: row 1 has 1 entries, row 0 has 2/);
  });
});
