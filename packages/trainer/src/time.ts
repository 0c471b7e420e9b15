import { DualityError } from '@duality/linalg-core';

/** Raised for training settings that cannot work; the message names the setting and the fix. */
export class TrainerInputError extends DualityError {
  override name = 'TrainerInputError';
  constructor(message: string, options?: ErrorOptions) {
    super('input', message, options);
  }
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
