import { Matrix64 } from '@duality/linalg-core';

/**
 * A run has diverged at the first step whose test or train loss is non-finite or above DIVERGENCE_FACTOR·𝓛(0):
 * GD past the edge of stability grows geometrically, while a catapult that recovers stays orders of magnitude below.
 */
export const DIVERGENCE_FACTOR = 1e12;

/** The first diverged step, or undefined when the whole run stayed finite and bounded. */
export function divergedStep(testLoss: Float64Array, trainLoss: Float64Array): number | undefined {
  const bound = DIVERGENCE_FACTOR * Math.max(testLoss[0]!, trainLoss[0]!);
  const bad = (v: number) => !Number.isFinite(v) || (bound > 0 && v > bound);
  for (let t = 0; t < testLoss.length; t++) if (bad(testLoss[t]!) || bad(trainLoss[t]!)) return t;
  return undefined;
}

/** Losses cut at the diverged step (kept whole when it is undefined), with `diverged` set only when it happened. */
export function cutAtDivergence(losses: { testLoss: Float64Array; trainLoss: Float64Array }): {
  testLoss: Float64Array;
  trainLoss: Float64Array;
  diverged?: number;
} {
  const diverged = divergedStep(losses.testLoss, losses.trainLoss);
  if (diverged === undefined) return losses;
  return { testLoss: losses.testLoss.slice(0, diverged), trainLoss: losses.trainLoss.slice(0, diverged), diverged };
}

/** The leading t×t block of a row-major T×T matrix. */
export function leadingBlock(data: Float64Array, T: number, t: number): Matrix64 {
  const out = new Matrix64(t, t);
  for (let i = 0; i < t; i++) out.data.set(data.subarray(i * T, i * T + t), i * t);
  return out;
}
