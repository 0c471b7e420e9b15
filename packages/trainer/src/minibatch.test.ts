import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientDescent, LossProbe } from './gradient-descent.js';
import { BATCH_DEFAULTS, BatchSampler, chooseBatchSize } from './minibatch.js';

const spec: MlpSpec = { inputDim: 3, hiddenWidths: [32, 32], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'standard', outputDim: 1 };

function data(n: number) {
  const g = normalGenerator(5);
  const x = new Matrix64(n, 3, Float64Array.from({ length: 3 * n }, () => g()));
  const y = Matrix64.column(Float64Array.from({ length: n }, (_, i) => Math.sin(2 * x.get(i, 0)) + x.get(i, 1) * x.get(i, 2) + 0.3 * g()));
  return { x, y };
}

/** The weights of a run as one flat float32 array. */
function weights(descent: GradientDescent): Float32Array {
  const net = descent.snapshot();
  const flat = Float32Array.from(net.parameters().flatMap((p) => Array.from(p.dataSync())));
  net.dispose();
  return flat;
}

beforeAll(async () => {
  await initTensorflow();
});

describe('BatchSampler', () => {
  it('cuts each epoch of a seeded permutation into disjoint batches of exactly B rows, reproducibly', () => {
    const [n, size] = [103, 10];
    const sampler = new BatchSampler(n, size, 7);
    const again = new BatchSampler(n, size, 7);
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen = new Set<number>();
      for (let b = 0; b < Math.floor(n / size); b++) {
        const batch = Array.from(sampler.nextBatch());
        expect(batch).toEqual(Array.from(again.nextBatch()));
        expect(batch).toHaveLength(size);
        for (const row of batch) {
          expect(row >= 0 && row < n).toBe(true);
          expect(seen.has(row)).toBe(false);
          seen.add(row);
        }
      }
    }
    expect(Array.from(new BatchSampler(n, size, 8).nextBatch())).not.toEqual(Array.from(new BatchSampler(n, size, 7).nextBatch()));
    expect(() => new BatchSampler(10, 11, 0)).toThrow(/batch size must be an integer from 1 to the 10 rows, got 11/);
  });
});

describe('chooseBatchSize', () => {
  const cost = { fixed: 0.001, perRow: 1e-5 };
  it('keeps full batch while the estimated run fits the budget', () => {
    const choice = chooseBatchSize('auto', { n: 1000, steps: 100, cost }, 10);
    expect(choice).toMatchObject({ size: 1000, full: true });
    expect(choice.rule).toMatch(/^full batch: 100 steps ≈ 1.1 s, within the 10 s budget/);
  });

  it('else takes the largest power of two whose estimated run fits: twice it would not', () => {
    const [n, steps, budget] = [40_000, 5000, 60];
    const { size, full, rule } = chooseBatchSize('auto', { n, steps, cost }, budget);
    const estimate = (rows: number) => steps * (cost.fixed + cost.perRow * rows);
    expect(full).toBe(false);
    expect(Math.log2(size) % 1).toBe(0);
    expect(estimate(size)).toBeLessThanOrEqual(budget);
    expect(estimate(2 * size)).toBeGreaterThan(budget);
    expect(rule).toContain(`${size} is the largest power of two whose run fits`);
  });

  it('falls back to the minimum when no batch fits, and honours an explicit size or full batch', () => {
    const slow = chooseBatchSize('auto', { n: 40_000, steps: 10 ** 6, cost }, 1);
    expect(slow.size).toBe(BATCH_DEFAULTS.minimum);
    expect(slow.rule).toMatch(/the smallest batch/);
    expect(chooseBatchSize(500, { n: 40_000, steps: 10, cost })).toMatchObject({ size: 500, full: false });
    expect(chooseBatchSize(50_000, { n: 40_000, steps: 10, cost })).toMatchObject({ size: 40_000, full: true });
    expect(chooseBatchSize('full', { n: 40_000, steps: 10 ** 6, cost })).toMatchObject({ size: 40_000, full: true });
  });
});

describe('mini-batch gradient descent', () => {
  it('with one batch of every row (in a shuffled order) takes the full-batch steps', () => {
    const { x, y } = data(64);
    const network = buildNetwork(spec, { seed: 2 });
    const full = new GradientDescent(network, x, y, 0.05);
    const shuffled = new GradientDescent(network, x, y, 0.05);
    shuffled.trainOnBatches(new BatchSampler(64, 64, 3));
    full.step(5);
    shuffled.step(5);
    const [a, b] = [weights(full), weights(shuffled)];
    const scale = Math.max(...a.map(Math.abs));
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5 * scale);
    expect(() => full.trainOnBatches(new BatchSampler(64, 8, 0))).toThrow(/before the first step/);
    [full, shuffled].forEach((d) => d.dispose());
    network.dispose();
  });

  it('the run measures its training loss on its own tensors: the same as a probe of f against y', () => {
    const { x, y } = data(120);
    const network = buildNetwork(spec, { seed: 8 });
    const descent = new GradientDescent(network, x, y, 0.05);
    const probe = new LossProbe(x, y);
    for (const steps of [0, 20]) {
      descent.step(steps);
      const reference = probe.loss(descent.forward);
      expect(Math.abs(descent.trainingLoss() - reference)).toBeLessThan(1e-5 * reference);
    }
    [descent, probe, network].forEach((d) => d.dispose());
  });

  it('timing a step leaves the weights where they were', () => {
    const { x, y } = data(300);
    const network = buildNetwork(spec, { seed: 4 });
    const descent = new GradientDescent(network, x, y, 0.05);
    const before = weights(descent);
    const cost = descent.stepCost();
    expect(cost).toMatchObject({ fixed: 0 }); // 300 rows: one timing, all of it per row
    expect(cost.perRow).toBeGreaterThan(0);
    expect(weights(descent)).toEqual(before);
    descent.dispose();
    network.dispose();
  });

});
