import { DualityError } from '@duality/linalg-core';
import type { TrainingTime } from '@duality/mixed-model';

/** Raised for training settings that cannot work; the message names the setting and the fix. */
export class TrainerInputError extends DualityError {
  override name = 'TrainerInputError';
  override readonly kind = 'input';
}

function assertLearningRate(learningRate: number): void {
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new TrainerInputError(`learning rate must be a positive finite number, got ${learningRate}`);
  }
}

/**
 * Full-batch gradient-descent steps that reach continuous training time `time` (math.md §0: t = η·k).
 * `Infinity` (REML's "train to convergence" outcome) stays `Infinity`: the caller decides the cap.
 */
export function stepsForTime(time: number, learningRate: number): number {
  assertLearningRate(learningRate);
  if (!(time >= 0)) throw new TrainerInputError(`training time must be ≥ 0, got ${time}`);
  return time === Infinity ? Infinity : Math.round(time / learningRate);
}

/** Continuous training time of `steps` full-batch steps at `learningRate` (t = η·k). */
export function timeForSteps(steps: number, learningRate: number): number {
  assertLearningRate(learningRate);
  if (!(Number.isInteger(steps) && steps >= 0)) {
    throw new TrainerInputError(`steps must be a non-negative integer, got ${steps}`);
  }
  return steps * learningRate;
}

/**
 * The kernel model's time after `steps` steps of gradient descent: exactly (1 − ηλ)^k where mixed-model's discrete
 * time is defined (ηλ1 < 1); between 1/λ1 and 2/λ1 GD oscillates on the top modes and continuous time t = η·k stands in.
 */
export function gradientDescentTime(learningRate: number, largestEigenvalue: number) {
  const discrete = learningRate * largestEigenvalue < 1;
  const time = (steps: number): TrainingTime => (discrete ? { learningRate, steps } : steps * learningRate);
  return { discrete, learningRate, time };
}
