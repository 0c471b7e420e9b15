import { describe, expect, it } from 'vitest';
import { SpecError } from './errors.js';
import { effectiveWeightVariance, layerPlans, validateSpec, type MlpSpec } from './spec.js';

const base: MlpSpec = {
  inputDim: 4,
  hiddenWidths: [8, 6],
  activation: { name: 'tanh' },
  weightStd: 1.5,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 2,
};

function errorOf(value: unknown): SpecError {
  try {
    validateSpec(value);
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('validateSpec', () => {
  it('accepts a valid spec, activation as a name, and per-layer standard deviations', () => {
    const spec = validateSpec({ ...base, activation: 'relu', weightStd: [1, 2, 3], biasStd: 0 });
    expect(spec.activation).toEqual({ name: 'relu' });
    expect(spec.weightStd).toEqual([1, 2, 3]);
  });

  it.each([
    [{ ...base, hiddenWidths: [8, 0] }, 'hiddenWidths[1]', /positive integer/],
    [{ ...base, inputDim: 2.5 }, 'inputDim', /positive integer/],
    [{ ...base, activation: 'swish' }, 'activation', /unknown activation "swish".*use one of relu/],
    [{ ...base, activation: 'leaky_relu' }, 'activation', /needs its slope.*"slope"/],
    [{ ...base, activation: { name: 'leaky_relu', slope: 'x' } }, 'activation.slope', /finite number/],
    [{ ...base, weightStd: 0 }, 'weightStd', /positive standard deviation/],
    [{ ...base, biasStd: [0.1, 0.1] }, 'biasStd', /2 entries but the network has 3 layers/],
    [{ ...base, parameterisation: 'NTK' }, 'parameterisation', /use one of ntk, standard, mup/],
    [{ ...base, hidden_widths: [3] }, 'hidden_widths', /not a spec field/],
    [{ ...base, outputDim: undefined }, 'outputDim', /is missing/],
    [{ ...base, useBias: 'yes' }, 'useBias', /true or false/],
  ])('names the field and the fix: %#', (value, field, message) => {
    const err = errorOf(value);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`spec.${field}:`)).toBe(true);
  });
});

describe('layerPlans', () => {
  it('puts the parameterisation scales where math.md §5 says', () => {
    const ntk = layerPlans(base);
    expect(ntk.map((p) => p.weightScale)).toEqual([1.5 / 2, 1.5 / Math.sqrt(8), 1.5 / Math.sqrt(6)]);
    expect(ntk.map((p) => p.activation.name)).toEqual(['tanh', 'tanh', 'identity']);
    const mup = layerPlans({ ...base, parameterisation: 'mup' });
    expect(mup[2]!.weightScale).toBe(1.5 / 6);
    expect(mup[1]!.weightScale).toBe(ntk[1]!.weightScale);
    const standard = layerPlans({ ...base, parameterisation: 'standard', useBias: false });
    expect(standard.map((p) => [p.weightScale, p.biasScale])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    // The forward-pass variance σ_w² is the same in ntk and standard: same NNGP.
    for (let l = 0; l < 3; l++) {
      expect(effectiveWeightVariance(standard[l]!)).toBeCloseTo(effectiveWeightVariance(ntk[l]!), 12);
    }
  });
});
