import { Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { classMetrics, LOG_LOSS_FLOOR, regressionMetrics } from './metrics.js';

describe('regressionMetrics', () => {
  it('RMSE and MAE in target units (y = z·sd + mean), R² unitless', () => {
    const truth = Matrix64.column([1, -1, 2, 0]);
    const predicted = Matrix64.column([0.5, -1, 1, 0.5]);
    const m = regressionMetrics(predicted, truth, { mean: 100, sd: 4 });
    // errors 0.5, 0, 1, −0.5 (standardised): MSE 0.375, MAE 0.5; truth mean 0.5, Σ(y − ȳ)² = 5.
    expect(m.rmse).toBeCloseTo(4 * Math.sqrt(0.375), 14);
    expect(m.mae).toBeCloseTo(4 * 0.5, 14);
    expect(m.r2).toBeCloseTo(1 - 1.5 / 5, 14);
    expect(regressionMetrics(truth, truth).r2).toBe(1);
  });
});

describe('classMetrics', () => {
  it('accuracy, the confusion table, and log-loss of outputs read as clipped, renormalised probabilities', () => {
    const classes = { names: ['a', 'b'], offsets: [0.5, 0.5] };
    // Centred indicators: row 0 is class a, rows 1 and 2 class b.
    const truth = new Matrix64(3, 2, Float64Array.from([0.5, -0.5, -0.5, 0.5, -0.5, 0.5]));
    const predicted = new Matrix64(3, 2, Float64Array.from([0.3, -0.3, 0.1, -0.1, -0.7, 0.7]));
    const m = classMetrics(predicted, truth, classes);
    expect(m.accuracy).toBeCloseTo(2 / 3, 14);
    expect(m.confusion).toEqual([[1, 0], [1, 1]]);
    // Probabilities: row 0 (0.8, 0.2) → a: 0.8; row 1 (0.6, 0.4) → b: 0.4; row 2 (floor, 1) → b: 1/(1 + floor).
    const expected = -(Math.log(0.8) + Math.log(0.4) + Math.log(1 / (1 + LOG_LOSS_FLOOR))) / 3;
    expect(m.logLoss).toBeCloseTo(expected, 12);
  });
});
