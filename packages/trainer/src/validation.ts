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
  /** The network at its best check, trained on the kept rows only (the caller disposes it). */
  network: DenseNetwork;
}

/**
 * Validation early stopping: train on the kept rows, check the held-out loss every `checkEvery` steps, stop after
 * `patience` checks without improvement (or at `maxSteps`), and return the best check's weights.
 */
export function validationEarlyStopping(
  network: DenseNetwork,
  data: { x: Matrix64; y: Matrix64 },
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
  const probe = new LossProbe(pickRows(x, held), pickRows(y, held));
  try {
    let best = { steps: 0, loss: probe.loss(descent.forward), network: descent.snapshot() };
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
    return { steps: best.steps, network: best.network };
  } finally {
    descent.dispose();
    probe.dispose();
  }
}
