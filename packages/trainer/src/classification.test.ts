import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictedClasses, trainTwoStage, TrainerInputError } from './index.js';

/** Three classes by the angle of a 2-d point (sectors of 120°), indicators centred on the class frequencies. */
function sectors(n: number, seed: number) {
  const g = normalGenerator(seed);
  const x = new Matrix64(n, 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(i, 0, g());
    x.set(i, 1, g());
    labels[i] = Math.floor(((Math.atan2(x.get(i, 1), x.get(i, 0)) + Math.PI) / (2 * Math.PI)) * 3) % 3;
  }
  return { x, labels };
}

function centredIndicators(labels: Int32Array, offsets: number[]): Matrix64 {
  const y = new Matrix64(labels.length, offsets.length);
  labels.forEach((k, i) => offsets.forEach((o, c) => y.set(i, c, (c === k ? 1 : 0) - o)));
  return y;
}

beforeAll(async () => {
  await initTensorflow();
});

describe('predictedClasses', () => {
  it('takes argmax of the outputs plus the offsets (the centred indicators give back the true class)', () => {
    const offsets = [0.6, 0.3, 0.1];
    const labels = Int32Array.from([0, 1, 2, 2, 1]);
    expect([...predictedClasses(centredIndicators(labels, offsets), offsets)]).toEqual([...labels]);
    // Outputs of 0 everywhere predict the most frequent class, as a centred model with no signal should.
    expect([...predictedClasses(new Matrix64(2, 3), offsets)]).toEqual([0, 0]);
  });
});

describe('trainTwoStage with a class target', () => {
  it('reports accuracy above the majority class, a consistent confusion table and the kernel model at each stop', async () => {
    const train = sectors(150, 1);
    const test = sectors(60, 2);
    const offsets = [0, 1, 2].map((k) => train.labels.filter((l) => l === k).length / train.labels.length);
    const network = buildNetwork(
      { inputDim: 2, hiddenWidths: [128], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 3 },
      { seed: 3 },
    );
    const { report, network: kept } = await trainTwoStage(network, train.x, centredIndicators(train.labels, offsets), {
      test: { x: test.x, y: centredIndicators(test.labels, offsets) },
      classes: { names: ['a', 'b', 'c'], offsets },
      maxSteps: 5000,
    });
    const c = report.classification!;
    expect(report.decision.train).toBe(true);
    expect(c.classes).toEqual(['a', 'b', 'c']);
    expect(c.test!.accuracy).toBeGreaterThan(c.test!.majorityClass + 0.2);
    const predicted = predictedClasses(kept.outputs(test.x), offsets);
    const right = predicted.filter((k, i) => k === test.labels[i]).length;
    expect(c.test!.accuracy).toBeCloseTo(right / 60, 12);
    expect(c.test!.confusion.flat().reduce((s, v) => s + v, 0)).toBe(60);
    expect(c.test!.confusion.reduce((s, row, k) => s + row[k]!, 0)).toBe(right);
    expect(c.stops.map((s) => s.rule)).toEqual(report.stops.map((s) => s.rule));
    for (const stop of c.stops) expect(stop.kernelTestAccuracy).toBeGreaterThan(c.test!.majorityClass);
    kept.dispose();
    network.dispose();
  });

  it('refuses class names that do not match the outputs, before any work', async () => {
    const { x, labels } = sectors(20, 4);
    const network = buildNetwork(
      { inputDim: 2, hiddenWidths: [16], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 3 },
      { seed: 1 },
    );
    await expect(trainTwoStage(network, x, centredIndicators(labels, [0, 0, 0]), { classes: { names: ['a', 'b'], offsets: [0, 0] } })).rejects.toThrow(
      TrainerInputError,
    );
    network.dispose();
  });
});
