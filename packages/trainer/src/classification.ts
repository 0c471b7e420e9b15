import type { Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork } from '@duality/ntk';
import type { TwoStageAnalysis } from './analysis.js';
import type { KernelCurves } from './kernel-curves.js';
import type { ClassificationSection, StopPoint } from './report.js';
import { TrainerInputError } from './time.js';

/**
 * A class target as the trainer gets it: one output per class, the indicator y_ik minus `offsets[k]` (tabular's
 * encoding; offsets are 0 for raw 0/1 indicators). The predicted class of an output row f is argmax_k (f_k + offsets_k).
 */
export interface ClassTargets {
  names: string[];
  offsets: number[];
}

export function checkedClasses(classes: ClassTargets, outputs: number): ClassTargets {
  if (classes.names.length !== outputs || classes.offsets.length !== outputs) {
    throw new TrainerInputError(
      `classes name ${classes.names.length} labels and ${classes.offsets.length} offsets but the targets have ${outputs} columns; give one of each per output`,
    );
  }
  if (outputs < 2) throw new TrainerInputError('a class target needs at least 2 classes (one output column each)');
  return classes;
}

/** argmax_k (m_ik + offsets_k) for each row i. */
export function predictedClasses(m: Matrix64, offsets: number[]): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let k = 1; k < m.cols; k++) if (m.get(i, k) + offsets[k]! > m.get(i, best) + offsets[best]!) best = k;
    out[i] = best;
  }
  return out;
}

/** Share of rows whose predicted class is the true one. */
export function accuracy(predicted: Int32Array, truth: Int32Array): number {
  let right = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) right++;
  return right / truth.length;
}

/** counts[true][predicted]. */
export function confusion(predicted: Int32Array, truth: Int32Array, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) counts[truth[i]!]![predicted[i]!]!++;
  return counts;
}

/** The share of the most frequent class among `truth`: what always guessing it scores. */
export function majorityShare(truth: Int32Array, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (const k of truth) counts[k]!++;
  return Math.max(...counts) / truth.length;
}

/**
 * Accuracy beside the squared loss: the trained network's on the training and test rows (with the confusion table
 * where the classes are judged), and the kernel model's test accuracy at every stop.
 */
export function classificationSection(
  network: DenseNetwork,
  analysis: TwoStageAnalysis,
  kernel: KernelCurves,
  stops: StopPoint[],
  classes: ClassTargets,
): ClassificationSection {
  const { x, y, test } = analysis;
  const k = classes.names.length;
  const judge = (inputs: Matrix64, targets: Matrix64) => {
    const truth = predictedClasses(targets, classes.offsets);
    const predicted = predictedClasses(network.outputs(inputs), classes.offsets);
    return { accuracy: accuracy(predicted, truth), majorityClass: majorityShare(truth, k), confusion: confusion(predicted, truth, k) };
  };
  const testTruth = test ? predictedClasses(test.y, classes.offsets) : undefined;
  return {
    classes: classes.names,
    train: judge(x, y),
    ...(test ? { test: judge(test.x, test.y) } : {}),
    stops: stops.map((stop) => {
      const predictions = testTruth ? kernel.testPredictions(stop.steps) : undefined;
      return {
        rule: stop.rule,
        steps: stop.steps,
        ...(predictions ? { kernelTestAccuracy: accuracy(predictedClasses(predictions, classes.offsets), testTruth!) } : {}),
      };
    }),
  };
}
