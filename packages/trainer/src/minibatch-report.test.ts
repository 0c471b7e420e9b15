import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainTwoStage } from './two-stage.js';

const spec: MlpSpec = { inputDim: 3, hiddenWidths: [32, 32], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'standard', outputDim: 1 };

function data(n: number) {
  const g = normalGenerator(5);
  const x = new Matrix64(n, 3, Float64Array.from({ length: 3 * n }, () => g()));
  const y = Matrix64.column(Float64Array.from({ length: n }, (_, i) => Math.sin(2 * x.get(i, 0)) + x.get(i, 1) * x.get(i, 2) + 0.3 * g()));
  return { x, y };
}

beforeAll(async () => {
  await initTensorflow();
});

describe('trainTwoStage batches', () => {
  it('trainTwoStage reports the batch it used; a forced batch trains the same number of steps', async () => {
    const { x, y } = data(400);
    const network = buildNetwork(spec, { seed: 6 });
    const auto = await trainTwoStage(network, x, y, { maxSteps: 200 });
    const forced = await trainTwoStage(network, x, y, { maxSteps: 200, batchSize: 32 });
    expect(auto.report.training).toMatchObject({ batchSize: 400 });
    expect(auto.report.training.batchRule).toMatch(/^full batch: \d+ steps/);
    expect(forced.report.training).toMatchObject({ batchSize: 32, batchRule: '32 rows per step (asked for)', steps: auto.report.training.steps });
    await expect(trainTwoStage(network, x, y, { batchSize: 0 })).rejects.toThrow(/batch size must be 'auto', 'full' or a positive integer, got 0/);
    [auto.network, forced.network, network].forEach((n) => n.dispose());
  });
});
