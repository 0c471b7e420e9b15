import { describe, expect, it } from 'vitest';
import { LinalgInputError, Matrix64, assertSymmetricInput, cholesky, eigSym } from './index.js';

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

  it('names a NaN or infinite entry', () => {
    expect(() => eigSym([[1, NaN], [NaN, 1]])).toThrow(/non-finite entry NaN at \(0, 1\)/);
    expect(() => eigSym([[1, 0], [0, Infinity]])).toThrow(/Infinity at \(1, 1\)/);
    expect(() => eigSym([[1, 0], [0, 1]], { vectors: [[1], [NaN]] })).toThrow(/\(1, 0\)/);
  });

  it('refuses right-hand sides of the wrong height', () => {
    expect(() => eigSym([[1, 0], [0, 1]], { vectors: [[1]] })).toThrow(/has 1 rows but the matrix has 2/);
  });
});
