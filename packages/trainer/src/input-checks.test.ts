import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeTwoStage, defaultNetworkSpec, GradientDescent, loadNetwork, saveNetwork, trainTwoStage, TrainerInputError } from './index.js';

const spec: MlpSpec = { inputDim: 2, hiddenWidths: [16], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 1 };

function data(n: number) {
  const g = normalGenerator(3);
  const x = new Matrix64(n, 2, Float64Array.from({ length: 2 * n }, () => g()));
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(x.get(i, 0)) + 0.3 * g());
  return { x, y };
}

beforeAll(async () => {
  await initTensorflow();
});

describe('the trainer refuses, naming the fix, what would otherwise be a NaN, noise or another analysis', () => {
  const { x, y } = data(30);

  it('options a typo or a slip turns into something else', async () => {
    const network = buildNetwork(spec, { seed: 1 });
    const cases: [Parameters<typeof analyzeTwoStage>[3], RegExp][] = [
      [{ alpha: 2 }, /alpha must be in \(0, 1\), got 2/],
      [{ alpha: Number.NaN }, /alpha must be in \(0, 1\)/],
      [{ kernel: 'emprical' as 'empirical' }, /unknown kernel source 'emprical'; use empirical or analytic/],
      [{ convention: 'foo' as 'exact' }, /unknown convention 'foo'/],
      [{ remainder: 'foo' as 'zero' }, /unknown remainder 'foo'/],
      [{ fixedEffects: 'interecpt' as 'intercept' }, /unknown fixed effects 'interecpt'; use auto, none, intercept, f0/],
      [{ test: { x: [[1, 2, 3]], y: [1] } }, /test x has 3 columns but x has 2/],
    ];
    for (const [options, message] of cases) await expect(analyzeTwoStage(network, x, y, options)).rejects.toThrow(message);
    network.dispose();
  });

  it('targets float32 training cannot follow, and recording settings that would put NaN in the report', async () => {
    const network = buildNetwork(spec, { seed: 1 });
    for (const scale of [1e-10, 1e20]) {
      await expect(trainTwoStage(network, x, y.map((v) => v * scale))).rejects.toThrow(/root mean square .* standardise y/);
    }
    await expect(trainTwoStage(network, x, y, { fixedSteps: [Number.NaN] })).rejects.toThrow(/fixedSteps must be positive integers/);
    await expect(trainTwoStage(network, x, y, { horizonFactor: 0 })).rejects.toThrow(/horizonFactor must be a finite number ≥ 1/);
    await expect(trainTwoStage(network, x, y, { curvePoints: 1 })).rejects.toThrow(/curvePoints must be an integer ≥ 2/);
    network.dispose();
  });

  it('GradientDescent: a bad learning rate, mismatched data, NaN targets, fractional steps', () => {
    const network = buildNetwork(spec, { seed: 1 });
    const y1 = Matrix64.column(y);
    for (const rate of [Number.NaN, -1, 0]) expect(() => new GradientDescent(network, x, y1, rate)).toThrow(/learning rate must be a positive finite number/);
    expect(() => new GradientDescent(network, new Matrix64(30, 3), y1, 0.1)).toThrow(/x has 3 columns but the network takes 2 inputs/);
    expect(() => new GradientDescent(network, x, Matrix64.column(y.slice(0, 10)), 0.1)).toThrow(/y is 10×1 but x has 30 rows/);
    expect(() => new GradientDescent(network, x, Matrix64.column(y.map((v, i) => (i === 4 ? Number.NaN : v))), 0.1)).toThrow(/y\[4\] is NaN/);
    const run = new GradientDescent(network, x, y1, 0.1);
    for (const count of [-1, 2.5]) expect(() => run.step(count)).toThrow(TrainerInputError);
    expect(run.steps).toBe(0);
    run.dispose();
    network.dispose();
  });

  it('loadNetwork takes the folder saveNetwork wrote; a folder without a model, a save under a file, a spec with no inputs are named', async () => {
    const network = buildNetwork(spec, { seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'duality-checks-'));
    await saveNetwork(network, join(dir, 'model'));
    const loaded = await loadNetwork(join(dir, 'model'), { initialOutput: 'keep' });
    expect(Array.from(loaded.outputs(x).data)).toEqual(Array.from(network.outputs(x).data));
    await expect(loadNetwork(dir)).rejects.toThrow(/is a folder with no model.json in it/);
    writeFileSync(join(dir, 'afile'), 'mine');
    await expect(saveNetwork(network, join(dir, 'afile', 'model'))).rejects.toThrow(/cannot save the network in .*choose another folder/);
    expect(() => defaultNetworkSpec(0)).toThrow(/inputDim/);
    [network, loaded].forEach((n) => n.dispose());
  });
});
