import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { analyticKernels, buildNetwork, empiricalNtk, initTensorflow, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkKernel } from './kernel.js';
import { trainTwoStage } from './two-stage.js';
import { validationEarlyStopping } from './validation.js';
import { LossProbe } from './gradient-descent.js';

const spec: MlpSpec = { inputDim: 3, hiddenWidths: [32, 32], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 1 };

function inputs(n: number, seed: number): Matrix64 {
  const g = normalGenerator(seed);
  return new Matrix64(n, 3, Float64Array.from({ length: 3 * n }, () => g()));
}

beforeAll(async () => {
  await initTensorflow();
});

describe('networkKernel', () => {
  it('is the empirical NTK over n on the training rows, and its test block against them, from one pass', async () => {
    const x = inputs(9, 1);
    const xTest = inputs(4, 2);
    const network = buildNetwork(spec, { seed: 3, initialOutput: 'keep' });
    const kernel = await networkKernel(network, x, xTest, 'empirical');
    const joint = (await empiricalNtk(network, new Matrix64(13, 3, Float64Array.from([...x.data, ...xTest.data])))).ntk.matrix;
    // Float32 passes of different batch shapes: OpenBLAS sgemm (the blas backend) rounds with the shape (a few float32 ulps).
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.max(Math.abs(b), 1e-3));
    for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) close(kernel.theta.get(i, j), joint.get(i, j) / 9);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 9; j++) close(kernel.cross!.get(i, j), joint.get(9 + i, j) / 9);
    network.outputs(xTest).data.forEach((v, i) => close(kernel.f0Test!.data[i]!, v));
    network.dispose();
  });

  it('is the analytic NTK over n with source analytic, and f0 is still the network’s', async () => {
    const x = inputs(8, 4);
    const network = buildNetwork(spec, { seed: 5 });
    const kernel = await networkKernel(network, x, undefined, 'analytic');
    const limit = analyticKernels(network.plans, x).train.ntk.matrix;
    expect(kernel.source).toBe('analytic');
    kernel.theta.data.forEach((v, k) => expect(v).toBeCloseTo(limit.data[k]! / 8, 12));
    expect(Array.from(kernel.f0.data).every((v) => v === 0)).toBe(true); // the centred network
    network.dispose();
  });
});

describe('validationEarlyStopping', () => {
  it('returns the check with the least held-out loss, after `patience` checks without improvement', () => {
    const x = inputs(40, 6);
    const noise = normalGenerator(7);
    const y = Matrix64.column(Array.from({ length: 40 }, (_, i) => Math.sin(x.get(i, 0)) + 0.3 * noise()));
    const network = buildNetwork(spec, { seed: 8 });
    const checks: { step: number; loss: number }[] = [];
    const stop = validationEarlyStopping(network, { x, y }, { learningRate: 0.05, maxSteps: 400, defaultCheckEvery: 10, seed: 1 }, { patience: 5 }, (p) =>
      checks.push({ step: p.step, loss: p.trainLoss! }),
    );
    const best = checks.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(stop.steps).toBe(best.step);
    const last = checks[checks.length - 1]!.step;
    expect(last === 400 || last === best.step + 5 * 10).toBe(true);
    expect(stop.testLoss).toBeUndefined();
    // With test data, the best check's network's test loss: at step 0 of a centred network (f = 0) it is ‖y*‖²/2n*.
    const test = { x: inputs(10, 11), y: Matrix64.column(Array.from({ length: 10 }, (_, i) => 1 + i / 10)) };
    const atStart = validationEarlyStopping(network, { x, y, test }, { learningRate: 0.05, maxSteps: 0, defaultCheckEvery: 1, seed: 1 }, {});
    expect(atStart.steps).toBe(0);
    expect(atStart.testLoss).toBeCloseTo(test.y.data.reduce((s, v) => s + v * v, 0) / 20, 5); // float32 loss
    network.dispose();
    expect(() => validationEarlyStopping(network, { x, y }, { learningRate: 0.05, maxSteps: 10, defaultCheckEvery: 1, seed: 1 }, { fraction: 0.99 })).toThrow(
      /leaves no usable split of 40 rows/,
    );
  });
});

describe('trainTwoStage on the analytic kernel', () => {
  it('runs the rule on the infinite-width kernel and trains the real network to its stop', async () => {
    const x = inputs(50, 9);
    const y = Float64Array.from({ length: 50 }, (_, i) => Math.sin(x.get(i, 0)) + 0.5 * x.get(i, 1));
    const network = buildNetwork(spec, { seed: 10 });
    const { report, network: trained } = await trainTwoStage(network, x, y, { kernel: 'analytic', stoppingRule: 'reml' });
    expect(report.kernel.source).toBe('analytic');
    expect(report.decision.train).toBe(true);
    expect(report.training.trainedTo).toBe(report.decision.steps);
    const probe = new LossProbe(x, Matrix64.column(y));
    expect(probe.loss((t) => trained.forwardWith(trained.parameters(), t))).toBeCloseTo(report.training.finalTrainLoss, 6);
    probe.dispose();
    trained.dispose();
    network.dispose();
  });
});
