import { seededPermutation, type Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork } from '@duality/ntk';
import { pickRows } from './kernel.js';
import { GradientDescent, LossProbe } from './gradient-descent.js';
import type { TrainingProgress } from './progress.js';
import { TrainerInputError } from './time.js';

export interface ValidationOptions {
  /** Fraction of the training rows held out (default 0.2). */
  fraction?: number;
  /** Checks without improvement before stopping (default 20). */
  patience?: number;
  /** Steps between checks (default: about 1% of the longest other stop, at least 1). */
  checkEvery?: number;
}

/** The validation comparator's defaults: hold out 20% of the training rows, stop after 20 checks without improvement. */
export const VALIDATION_DEFAULTS = { fraction: 0.2, patience: 20 } as const;

export interface ValidationStop {
  steps: number;
  /** The test loss of the network at its best check (trained on the kept rows only), with test data. */
  testLoss?: number;
}

/** The loss of a network (at its own weights) on a data set. */
function lossOf(network: DenseNetwork, data: { x: Matrix64; y: Matrix64 }): number {
  const probe = new LossProbe(data.x, data.y);
  try {
    return probe.loss((x) => network.forwardWith(network.parameters(), x));
  } finally {
    probe.dispose();
  }
}

/**
 * Validation early stopping: train on the kept rows, check the held-out loss every `checkEvery` steps, stop after
 * `patience` checks without improvement (or at `maxSteps`); the best check's steps and, with test data, its
 * network's test loss. Its networks are released before it returns, whichever way it ends.
 */
export function validationEarlyStopping(
  network: DenseNetwork,
  data: { x: Matrix64; y: Matrix64; test?: { x: Matrix64; y: Matrix64 } },
  run: { learningRate: number; maxSteps: number; defaultCheckEvery: number; seed: number },
  options: ValidationOptions,
  onProgress?: (progress: TrainingProgress) => void,
): ValidationStop {
  const { x, y } = data;
  const fraction = options.fraction ?? VALIDATION_DEFAULTS.fraction;
  const patience = options.patience ?? VALIDATION_DEFAULTS.patience;
  const checkEvery = options.checkEvery ?? run.defaultCheckEvery;
  const nHeld = Math.round(x.rows * fraction);
  if (!(fraction > 0 && fraction < 1) || nHeld < 1 || x.rows - nHeld < 3) {
    throw new TrainerInputError(`validation fraction ${fraction} leaves no usable split of ${x.rows} rows; use 0.1–0.3`);
  }
  const order = seededPermutation(x.rows, run.seed);
  const kept = order.slice(nHeld);
  const held = order.slice(0, nHeld);
  const descent = new GradientDescent(network, pickRows(x, kept), pickRows(y, kept), run.learningRate);
  let probe: LossProbe | undefined;
  let best: { steps: number; loss: number; network: DenseNetwork } | undefined;
  try {
    probe = new LossProbe(pickRows(x, held), pickRows(y, held));
    best = { steps: 0, loss: probe.loss(descent.forward), network: descent.snapshot() };
    let sinceBest = 0;
    while (descent.steps < run.maxSteps && sinceBest < patience) {
      descent.step(Math.min(checkEvery, run.maxSteps - descent.steps));
      const loss = probe.loss(descent.forward);
      if (loss < best.loss) {
        best.network.dispose();
        best = { steps: descent.steps, loss, network: descent.snapshot() };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      // The run ends `patience` checks after the best one unless the held-out loss improves again.
      const lastStep = Math.min(run.maxSteps, best.steps + patience * checkEvery);
      onProgress?.({ phase: 'validation', step: descent.steps, totalSteps: lastStep, trainLoss: loss });
    }
    return { steps: best.steps, ...(data.test ? { testLoss: lossOf(best.network, data.test) } : {}) };
  } finally {
    best?.network.dispose();
    descent.dispose();
    probe?.dispose();
  }
}
