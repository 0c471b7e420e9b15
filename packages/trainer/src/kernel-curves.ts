import type { Matrix64 } from '@duality/linalg-core';
import { pathAt, predictAt, type TrainingTime } from '@duality/mixed-model';
import type { TwoStageAnalysis } from './analysis.js';
import { gradientDescentTime } from './time.js';

/** (1/2n)‖A − B‖²_F. */
function halfMeanSquared(a: Matrix64, b: Matrix64): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i]! - b.data[i]!) ** 2;
  return s / (2 * a.rows);
}

/** The linearised (kernel) model's losses after a number of gradient-descent steps: what the network is predicted to do. */
export interface KernelCurves {
  /** The model's time for `steps` steps. */
  time(steps: number): TrainingTime;
  trainLoss(steps: number): number;
  /** The model's predictions at the test inputs (with test data). */
  testPredictions(steps: number): Matrix64 | undefined;
  /** With test data. */
  testLoss(steps: number): number | undefined;
}

/** f memoised by its argument: the stops' steps are also curve points, and a prediction costs n*×n. */
function memoised<T>(f: (steps: number) => T): (steps: number) => T {
  const seen = new Map<number, T>();
  return (steps) => {
    if (!seen.has(steps)) seen.set(steps, f(steps));
    return seen.get(steps)!;
  };
}

/** The kernel model's train and test losses along gradient descent. No fixed effects: the network has none. */
export function kernelCurves(analysis: TwoStageAnalysis): KernelCurves {
  const { fit, learningRate, largestEigenvalue, kernel, test } = analysis;
  const { time } = gradientDescentTime(learningRate, largestEigenvalue);
  const testPredictions = memoised((steps) => (test ? predictAt(fit, time(steps), { f0New: kernel.f0Test }, { useDesign: false }) : undefined));
  return {
    time,
    trainLoss: memoised((steps) => {
      const r = pathAt(fit, time(steps), { useDesign: false }).residualProjections.data;
      let s = 0;
      for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
      return s / (2 * fit.n);
    }),
    testPredictions,
    testLoss: memoised((steps) => (test ? halfMeanSquared(testPredictions(steps)!, test.y) : undefined)),
  };
}
