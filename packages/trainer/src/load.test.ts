import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type InitialOutput, type MlpSpec } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientDescent, loadNetwork, saveNetwork, TrainerInputError } from './index.js';

const spec: MlpSpec = {
  inputDim: 3,
  hiddenWidths: [32, 16],
  activation: { name: 'tanh' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'standard',
  outputDim: 2,
};

function inputs(n: number, seed: number): Matrix64 {
  const g = normalGenerator(seed);
  return new Matrix64(n, 3, Float64Array.from({ length: 3 * n }, () => g()));
}

/** A network trained a few steps (so g_θ ≠ g_θ0), saved, and the path of its model.json. */
async function trainedAndSaved(initialOutput: InitialOutput) {
  const network = buildNetwork(spec, { seed: 5, initialOutput });
  const x = inputs(20, 1);
  const descent = new GradientDescent(network, x, new Matrix64(20, 2, Float64Array.from({ length: 40 }, (_, i) => Math.sin(i))), 0.05);
  descent.step(5);
  const trained = descent.snapshot();
  descent.dispose();
  network.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'duality-load-'));
  await saveNetwork(trained, dir);
  return { trained, path: join(dir, 'model.json') };
}

beforeAll(async () => {
  await initTensorflow();
});

describe('loadNetwork', () => {
  it('reads back a centred network Duality saved: the same function, and its initial branch as the origin', async () => {
    const { trained, path } = await trainedAndSaved('zero');
    const loaded = await loadNetwork(path);
    const xNew = inputs(7, 2);
    expect(loaded.initialOutput).toBe('zero');
    const [want, got] = [trained.outputs(xNew).data, loaded.outputs(xNew).data];
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    expect(want.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    // The saved initialisers carry the initial distributions, so the analytic kernel of a loaded network is right.
    loaded.plans.forEach((plan, l) => expect(plan.weightInitStd).toBeCloseTo(trained.plans[l]!.weightInitStd * trained.plans[l]!.weightScale, 6));
    const recentred = await loadNetwork(path, { initialOutput: 'zero' });
    expect(recentred.outputs(xNew).data.every((v) => v === 0)).toBe(true);
    [trained, loaded, recentred].forEach((n) => n.dispose());
  });

  it('reads a raw Sequential as it is, or centred on its weights when asked', async () => {
    const { trained, path } = await trainedAndSaved('keep');
    const xNew = inputs(5, 3);
    const loaded = await loadNetwork(path);
    expect(loaded.initialOutput).toBe('keep');
    trained.outputs(xNew).data.forEach((v, i) => expect(loaded.outputs(xNew).data[i]).toBeCloseTo(v, 5));
    const centred = await loadNetwork(path, { initialOutput: 'zero' });
    expect(centred.outputs(xNew).data.every((v) => v === 0)).toBe(true);
    [trained, loaded, centred].forEach((n) => n.dispose());
  });

  it('reads back a leaky-ReLU network Duality saved (a LeakyReLU layer after each linear Dense)', async () => {
    const network = buildNetwork({ ...spec, activation: { name: 'leaky_relu', slope: 0.1 } }, { seed: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'duality-load-'));
    await saveNetwork(network, dir);
    const loaded = await loadNetwork(join(dir, 'model.json'), { initialOutput: 'keep' });
    expect(loaded.plans.map((p) => p.activation.name)).toEqual(['leaky_relu', 'leaky_relu', 'identity']);
    const xNew = inputs(6, 4);
    network.outputs(xNew).data.forEach((v, i) => expect(loaded.outputs(xNew).data[i]).toBeCloseTo(v, 5));
    [network, loaded].forEach((n) => n.dispose());
  });

  it('names a file that is not a layers model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duality-load-'));
    writeFileSync(join(dir, 'bad.json'), '{"format":"graph-model"}');
    writeFileSync(join(dir, 'text.json'), 'not json');
    await expect(loadNetwork(join(dir, 'bad.json'))).rejects.toThrow(/no modelTopology or weightsManifest/);
    await expect(loadNetwork(join(dir, 'text.json'))).rejects.toThrow(TrainerInputError);
  });
});
