import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { empiricalNtk } from './empirical.js';
import { buildNetwork } from './network.js';
import { parameterCount, type MlpSpec } from './spec.js';
import { inputs } from './test-utils.js';

const x = inputs(9, 3);

const spec = (parameterisation: MlpSpec['parameterisation']): MlpSpec => ({
  inputDim: 3,
  hiddenWidths: [24, 16],
  activation: { name: 'relu' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation,
  outputDim: 2,
});

describe('the centred network (initialOutput zero, the default)', () => {
  it.each(['ntk', 'standard', 'mup'] as const)('starts at exactly 0 and has the raw MLP’s NTK, %s', async (parameterisation) => {
    const centred = buildNetwork(spec(parameterisation), { seed: 4 });
    const raw = buildNetwork(spec(parameterisation), { seed: 4, initialOutput: 'keep' });
    expect(centred.initialOutput).toBe('zero');
    expect(raw.initialOutput).toBe('keep');
    expect(Array.from(centred.outputs(x).data).every((v) => v === 0)).toBe(true);
    expect(raw.outputs(x).data.some((v) => v !== 0)).toBe(true);
    const centredKernel = await empiricalNtk(centred, x);
    const rawKernel = await empiricalNtk(raw, x);
    expect(Array.from(centredKernel.ntk.matrix.data)).toEqual(Array.from(rawKernel.ntk.matrix.data));
    expect(Array.from(centredKernel.f0.data).every((v) => v === 0)).toBe(true);
    centred.dispose();
    raw.dispose();
  });

  it('computes g_θ − g_θ0 at other weights, on inputs it has not seen', () => {
    const centred = buildNetwork(spec('standard'), { seed: 2 });
    const moved = centred.parameters().map((p, i) => tf.add(p, tf.mul(tf.randomNormal(p.shape, 0, 1, 'float32', 10 + i), 0.05)));
    const raw = buildNetwork(spec('standard'), { seed: 2, initialOutput: 'keep' });
    const fresh = tf.tensor2d(inputs(5, 3, 77));
    const f = tf.tidy(() => centred.forwardWith(moved, fresh));
    const g = tf.tidy(() => raw.mlpForward(moved, fresh));
    const g0 = raw.predict(fresh);
    const expected = tf.sub(g, g0);
    expect(f.arraySync()).toEqual(expected.arraySync());
    expect(tf.max(tf.abs(f)).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([...moved, fresh, f, g, g0, expected]);
    centred.dispose();
    raw.dispose();
  });

  it('keeps its origin through withLayers, and refuses an unknown mode', () => {
    const centred = buildNetwork(spec('ntk'), { seed: 1 });
    const copy = centred.withLayers(centred.layers.map((l) => ({ kernel: l.kernel.clone(), bias: l.bias ? l.bias.clone() : null })));
    centred.dispose(); // the copy owns clones of the origin, so it still works
    expect(copy.initialOutput).toBe('zero');
    expect(Array.from(copy.outputs(x).data).every((v) => v === 0)).toBe(true);
    copy.dispose();
    expect(() => buildNetwork(spec('ntk'), { initialOutput: 'random' as 'zero' })).toThrow(/initialOutput must be zero or keep/);
  });
});

describe('parameterCount', () => {
  it('equals the sizes of the tensors a built network trains, with and without biases', () => {
    for (const useBias of [true, false]) {
      const network = buildNetwork({ inputDim: 3, hiddenWidths: [7, 5], activation: { name: 'relu' }, weightStd: 1, biasStd: 0.1, parameterisation: 'ntk', outputDim: 2, useBias }, { seed: 1 });
      expect(parameterCount(network.plans)).toBe(network.parameters().reduce((s, p) => s + p.size, 0));
      network.dispose();
    }
  });
});
