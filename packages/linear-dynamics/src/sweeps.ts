import type { DataModel, Sampling } from './data.js';
import { solveDmft } from './dmft.js';
import { LinearDynamicsInputError } from './errors.js';
import type { NetworkSpec } from './network.js';

export interface LearningRateSweep {
  learningRates: number[];
  /** Final test loss 𝓛(T−1) per learning rate; Infinity where the run diverged. */
  finalLoss: number[];
  /** The learning rate with the lowest final test loss. */
  best: number;
  /** The largest learning rate whose final test loss is finite and below the initial one. */
  largestStable: number | undefined;
}

/**
 * Final DMFT test loss over a grid of η₀ (spec §3, Figs 2, 5, 7). A run counts as diverged when its loss
 * ends non-finite or above where it started: the edge-of-stability blow-up of §2.6.
 */
export function learningRateSweep({
  data,
  sampling,
  network,
  steps,
  learningRates,
}: {
  data: DataModel;
  sampling: Sampling;
  network: Omit<NetworkSpec, 'learningRate'>;
  steps: number;
  learningRates: readonly number[];
}): LearningRateSweep {
  if (learningRates.length === 0) throw new LinearDynamicsInputError('learningRates is empty: give at least one η₀');
  const finalLoss = learningRates.map((learningRate) => {
    const { testLoss, diverged } = solveDmft({ data, sampling, network: { ...network, learningRate }, steps });
    if (diverged !== undefined) return Infinity;
    const last = testLoss[steps - 1]!;
    return Number.isFinite(last) && last <= testLoss[0]! ? last : Infinity;
  });
  let bestIndex = 0;
  finalLoss.forEach((loss, i) => {
    if (loss < finalLoss[bestIndex]!) bestIndex = i;
  });
  const stable = learningRates.filter((_, i) => Number.isFinite(finalLoss[i]!));
  return {
    learningRates: [...learningRates],
    finalLoss,
    best: learningRates[bestIndex]!,
    largestStable: stable.length > 0 ? Math.max(...stable) : undefined,
  };
}

/** Local log–log slope of a loss curve between steps a < b: d log 𝓛 / d log t. */
export function logLogSlope(loss: ArrayLike<number>, a: number, b: number): number {
  if (!(a > 0 && b > a && b < loss.length)) {
    throw new LinearDynamicsInputError(`logLogSlope needs 0 < a < b < ${loss.length}, got a=${a}, b=${b}`);
  }
  return (Math.log(loss[b]!) - Math.log(loss[a]!)) / (Math.log(b) - Math.log(a));
}
