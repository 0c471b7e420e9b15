import type { DenseNetwork } from '@duality/ntk';
import type { TwoStageAnalysis } from './analysis.js';
import { GradientDescent, LossProbe } from './gradient-descent.js';
import { BatchSampler, chooseBatchSize, type BatchChoice, type BatchSize } from './minibatch.js';
import type { TrainingProgress } from './progress.js';

/** The real network's losses at one recorded step. */
export interface MeasuredPoint {
  step: number;
  trainLoss: number;
  testLoss?: number;
}

export interface RecordedRun {
  measured: MeasuredPoint[];
  /** The network at `keepAt` steps (the caller disposes it). */
  kept: DenseNetwork;
  seconds: number;
  /** Rows per step and why (math.md §7.2). */
  batch: BatchChoice;
}

/** How the run batches its rows: the request ('auto' by default), the time budget of 'auto', the sampler's seed. */
export interface BatchOptions {
  batchSize?: BatchSize;
  budgetSeconds?: number;
  seed?: number;
}

/** The batch for a run to `lastStep`; 'auto' times the descent's steps first (without moving its weights). */
function batchFor(descent: GradientDescent, n: number, lastStep: number, options: BatchOptions): BatchChoice {
  const request = options.batchSize ?? 'auto';
  const cost = request === 'auto' && lastStep > 0 && n > 1 ? descent.stepCost() : undefined;
  const choice = chooseBatchSize(request, { n, steps: lastStep, cost }, options.budgetSeconds);
  if (!choice.full) descent.trainOnBatches(new BatchSampler(n, choice.size, options.seed ?? 0));
  return choice;
}

/** Progress at least this often (in steps) within a phase: about 1% of it. */
function chunkOf(phaseSteps: number): number {
  return Math.max(1, Math.ceil(phaseSteps / 100));
}

/**
 * Gradient descent from the network's current weights to `lastStep` (full batch, or mini-batch SGD as `batchOptions`
 * choose: the same η and steps, math.md §7.2), measuring the losses at the `recordAt` steps and keeping a snapshot at
 * `keepAt` (≤ lastStep). Steps up to `keepAt` are the 'training' phase, the rest the 'horizon' phase.
 */
export function trainAndRecord(
  network: DenseNetwork,
  analysis: TwoStageAnalysis,
  plan: { recordAt: number[]; keepAt: number; lastStep: number },
  onProgress?: (progress: TrainingProgress) => void,
  batchOptions: BatchOptions = {},
): RecordedRun {
  const started = performance.now();
  const { x, y, test, learningRate } = analysis;
  const descent = new GradientDescent(network, x, y, learningRate);
  const testProbe = test ? new LossProbe(test.x, test.y) : undefined;
  const marks = new Set([...plan.recordAt.filter((s) => s <= plan.lastStep), plan.keepAt, plan.lastStep]);
  const measured: MeasuredPoint[] = [];
  let kept: DenseNetwork | undefined;
  let lastLoss: number | undefined;
  let batch: BatchChoice | undefined;
  try {
    batch = batchFor(descent, x.rows, plan.lastStep, batchOptions);
    for (const mark of [...marks].sort((a, b) => a - b)) {
      const phase = mark <= plan.keepAt ? 'training' : 'horizon';
      const [from, total] = phase === 'training' ? [0, plan.keepAt] : [plan.keepAt, plan.lastStep];
      while (descent.steps < mark) {
        descent.step(Math.min(chunkOf(total - from), mark - descent.steps));
        onProgress?.({ phase, step: descent.steps, totalSteps: total, trainLoss: lastLoss });
      }
      const point: MeasuredPoint = { step: mark, trainLoss: descent.trainingLoss() };
      if (testProbe) point.testLoss = testProbe.loss(descent.forward);
      measured.push(point);
      lastLoss = point.trainLoss;
      if (mark === plan.keepAt) kept = descent.snapshot();
      onProgress?.({ phase, step: mark, totalSteps: total, trainLoss: lastLoss });
    }
  } catch (error) {
    kept?.dispose(); // the caller never receives it
    throw error;
  } finally {
    descent.dispose();
    testProbe?.dispose();
  }
  return { measured, kept: kept!, seconds: (performance.now() - started) / 1000, batch: batch! };
}
