import type { DenseNetwork } from '@duality/ntk';
import type { TwoStageAnalysis } from './analysis.js';
import { GradientDescent, LossProbe } from './gradient-descent.js';
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
}

/** Progress at least this often (in steps) within a phase: about 1% of it. */
function chunkOf(phaseSteps: number): number {
  return Math.max(1, Math.ceil(phaseSteps / 100));
}

/**
 * Full-batch gradient descent from the network's current weights to `lastStep`, measuring the losses at the
 * `recordAt` steps and keeping a snapshot at `keepAt` (≤ lastStep). Steps up to `keepAt` are the 'training' phase,
 * the rest the 'horizon' phase.
 */
export function trainAndRecord(
  network: DenseNetwork,
  analysis: TwoStageAnalysis,
  plan: { recordAt: number[]; keepAt: number; lastStep: number },
  onProgress?: (progress: TrainingProgress) => void,
): RecordedRun {
  const started = performance.now();
  const { x, y, test, learningRate } = analysis;
  const descent = new GradientDescent(network, x, y, learningRate);
  const trainProbe = new LossProbe(x, y);
  const testProbe = test ? new LossProbe(test.x, test.y) : undefined;
  const marks = new Set([...plan.recordAt.filter((s) => s <= plan.lastStep), plan.keepAt, plan.lastStep]);
  const measured: MeasuredPoint[] = [];
  let kept: DenseNetwork | undefined;
  let lastLoss: number | undefined;
  try {
    for (const mark of [...marks].sort((a, b) => a - b)) {
      const phase = mark <= plan.keepAt ? 'training' : 'horizon';
      const [from, total] = phase === 'training' ? [0, plan.keepAt] : [plan.keepAt, plan.lastStep];
      while (descent.steps < mark) {
        descent.step(Math.min(chunkOf(total - from), mark - descent.steps));
        onProgress?.({ phase, step: descent.steps, totalSteps: total, trainLoss: lastLoss });
      }
      const point: MeasuredPoint = { step: mark, trainLoss: trainProbe.loss(descent.forward) };
      if (testProbe) point.testLoss = testProbe.loss(descent.forward);
      measured.push(point);
      lastLoss = point.trainLoss;
      if (mark === plan.keepAt) kept = descent.snapshot();
      onProgress?.({ phase, step: mark, totalSteps: total, trainLoss: lastLoss });
    }
  } finally {
    descent.dispose();
    trainProbe.dispose();
    testProbe?.dispose();
  }
  return { measured, kept: kept!, seconds: (performance.now() - started) / 1000 };
}
