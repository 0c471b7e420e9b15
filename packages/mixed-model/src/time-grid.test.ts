import { describe, expect, it } from 'vitest';
import type { SpectralFit } from './spectral-fit.js';
import { minimiseOnTimeGrid, pointwise } from './time-grid.js';
import { timeEquivalent, type TrainingTime } from './training-time.js';

// The search reads only the spectrum's time scales: eigenvalues from 1 down to 1e-3.
const fit = { eigenvalues: Float64Array.from({ length: 50 }, (_, j) => 10 ** (-3 * (j / 49))) } as unknown as SpectralFit;

/** 2 − 2u/(1 + u²): 2 at u = 0, one minimum at u = 1, rising to 2 again. */
const bump = (u: number) => 2 - (2 * u) / (1 + u * u);

/** A criterion with its one minimum at t = `at`, counting its evaluations. */
function counted(at: number) {
  const calls = { count: 0 };
  const criterion = pointwise((time: TrainingTime) => {
    calls.count++;
    return bump(timeEquivalent(time) / at);
  });
  return { criterion, calls };
}

const LEARNING_RATE = 0.0052;

describe('the refinement of the grid minimum', () => {
  it('in whole steps: one point per round (parabolic steps, golden sections) lands on the exact argmin, in few evaluations', () => {
    const learningRate = LEARNING_RATE;
    const batch = counted(4.711);
    const golden = counted(4.711);
    const byBatch = minimiseOnTimeGrid(fit, batch.criterion, { learningRate });
    const byGolden = minimiseOnTimeGrid(fit, golden.criterion, { learningRate, refinePoints: 1 });
    // The exact argmin over whole steps, by brute force around the minimum.
    const value = (k: number) => bump((learningRate * k) / 4.711);
    let argmin = 1;
    for (let k = 1; k < 5000; k++) if (value(k) < value(argmin)) argmin = k;
    expect(byBatch.steps).toBe(argmin);
    expect(byGolden.steps).toBe(argmin);
    expect(byGolden.value).toBe(byBatch.value);
    const grid = byGolden.grid.times.length;
    // From a grid cell of ~300 steps to the step: two parabolic steps to within a step, then the neighbours that
    // certify it (golden sections alone took 10), where batches of 31 spend several rounds.
    expect(golden.calls.count - grid).toBeLessThanOrEqual(5);
    expect(batch.calls.count - grid).toBeGreaterThan(4 * (golden.calls.count - grid));
  });

  it('in whole steps, on a kinked criterion (no parabola fits it): still the exact argmin', () => {
    const calls = { count: 0 };
    // |log(k/500)| plus a slope: a V in log steps whose minimum a parabola through three points never lands on.
    const kinked = (k: number) => Math.abs(Math.log((k + 1) / 500)) + 1e-4 * k;
    const criterion = pointwise((time: TrainingTime) => {
      calls.count++;
      return kinked(timeEquivalent(time) / LEARNING_RATE);
    });
    const found = minimiseOnTimeGrid(fit, criterion, { learningRate: LEARNING_RATE, refinePoints: 1 });
    let argmin = 1;
    for (let k = 1; k < 5000; k++) if (kinked(k) < kinked(argmin)) argmin = k;
    expect(found.steps).toBe(argmin);
    expect(calls.count - found.grid.times.length).toBeLessThanOrEqual(20);
  });

  it('in continuous time: both searches find t̂ to 1e-6 relative', () => {
    for (const at of [0.37, 12.5, 400]) {
      const byBatch = minimiseOnTimeGrid(fit, counted(at).criterion);
      const byGolden = minimiseOnTimeGrid(fit, counted(at).criterion, { refinePoints: 1 });
      expect(Math.abs(byBatch.time / at - 1)).toBeLessThan(2e-6);
      expect(Math.abs(byGolden.time / at - 1)).toBeLessThan(2e-6);
      expect(byGolden.outcome).toBe('interior');
    }
  });
});
