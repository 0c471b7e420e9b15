import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { isotropicData } from './data.js';
import type { SimulationOptions } from './simulate.js';
import { trainTfjsNetwork } from './tfjs-network.js';

// A training step that throws, on request: the only way to fail inside the loop, once every tensor exists.
const failing = vi.hoisted(() => ({ atCall: Infinity, calls: 0 }));
vi.mock('@tensorflow/tfjs', async (importOriginal) => {
  const actual = await importOriginal<typeof tf>();
  return {
    ...actual,
    variableGrads: ((...args: Parameters<typeof actual.variableGrads>) => {
      if (++failing.calls === failing.atCall) throw new Error('injected failure');
      return actual.variableGrads(...args);
    }) as typeof actual.variableGrads,
  };
});

const small = (sampling: SimulationOptions['sampling']): SimulationOptions => ({
  data: isotropicData({ noise: 0.2 }),
  sampling,
  network: { depth: 3, widthRatio: 1, richness: 1, learningRate: 0.1, residual: { branchScale: 0.5 } },
  inputDim: 8,
  steps: 4,
  seed: 1,
});

describe('trainTfjsNetwork leaves no tensor behind', () => {
  for (const sampling of [{ kind: 'repeated', samplesPerDim: 1.5 }, { kind: 'online', batchPerDim: 0.5 }] as const) {
    it(`after a run and after a step that throws (${sampling.kind} data)`, async () => {
      await trainTfjsNetwork(small(sampling)); // the backend's own first-use tensors are not the run's
      const before = tf.memory().numTensors;
      const result = await trainTfjsNetwork(small(sampling));
      expect(result.trainLoss.length).toBe(4);
      expect(tf.memory().numTensors).toBe(before);

      failing.calls = 0;
      failing.atCall = 3;
      await expect(trainTfjsNetwork(small(sampling))).rejects.toThrow('injected failure');
      failing.atCall = Infinity;
      expect(failing.calls).toBe(3);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
