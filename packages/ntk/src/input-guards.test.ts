import { Matrix64, normalGenerator } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import {
  KernelInputError,
  SpecError,
  analyticCrossKernel,
  analyticKernels,
  analyticNtkNystrom,
  buildNetwork,
  empiricalNtk,
  nystromFactor,
  selectLandmarks,
  validateSpec,
  type MlpSpec,
} from './index.js';

const spec: MlpSpec = {
  inputDim: 3,
  hiddenWidths: [16, 16],
  activation: { name: 'tanh' },
  weightStd: 1.4,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 1,
};

function points(n: number, seed: number, scale = 1): Matrix64 {
  const draw = normalGenerator(seed);
  return new Matrix64(n, 3, Float64Array.from({ length: n * 3 }, () => draw() * scale));
}

describe('kernels refuse inputs and specs that would overflow', () => {
  it('refuses inputs beyond the magnitude bound, naming standardisation', () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const s: MlpSpec = { ...spec, activation: { name: activation } };
      expect(() => analyticKernels(s, points(4, 1, 1e160))).toThrow(KernelInputError);
      expect(() => analyticKernels(s, points(4, 1, 1e160))).toThrow(/standardise the inputs/);
    }
    // Large but accepted inputs give finite kernels.
    const k = analyticKernels({ ...spec, activation: { name: 'relu' } }, points(4, 1, 1e14));
    expect(k.train.ntk.matrix.data.every(Number.isFinite)).toBe(true);
  });

  it('bounds the standard deviations in validateSpec', () => {
    expect(() => validateSpec({ ...spec, weightStd: 1e200 })).toThrow(SpecError);
    expect(() => validateSpec({ ...spec, weightStd: 1e200 })).toThrow(/spec\.weightStd: 1e\+200 exceeds 1000000/);
    expect(() => validateSpec({ ...spec, biasStd: [0.1, 2e6, 0.1] })).toThrow(/spec\.biasStd\[1\]/);
    expect(validateSpec({ ...spec, weightStd: 1e6 }).weightStd).toBe(1e6);
  });

  it('refuses a kernel that still overflows (a deep ReLU stack at the largest σ_w)', () => {
    const deep: MlpSpec = { ...spec, activation: { name: 'relu' }, hiddenWidths: Array<number>(40).fill(4), weightStd: 1e6 };
    expect(() => analyticKernels(deep, points(3, 2))).toThrow(/overflowed.*standardise the inputs, or lower weightStd/);
  });

  it('buildNetwork refuses a huge weightStd before empiricalNtk can return NaN outputs', () => {
    expect(() => buildNetwork({ ...spec, weightStd: 1e30 })).toThrow(SpecError);
  });

  it('empiricalNtk returns finite f0 and kernel for an accepted network', async () => {
    const network = buildNetwork(spec, { initialOutput: 'keep' });
    const { ntk, f0 } = await empiricalNtk(network, points(4, 3));
    expect(f0.data.every(Number.isFinite) && ntk.matrix.data.every(Number.isFinite)).toBe(true);
    expect(f0.data.some((v) => v !== 0)).toBe(true);
    network.dispose();
  });
});

describe('option checks', () => {
  it('analyticCrossKernel refuses a training size n that is not a positive integer', () => {
    const x = points(3, 4);
    for (const n of [0, -2, NaN, 1.5]) {
      expect(() => analyticCrossKernel(spec, x, x, { n })).toThrow(/n \(the training-set size\) must be a positive integer/);
    }
    expect(analyticCrossKernel(spec, x, x, { n: 7 }).ntk.n).toBe(7);
  });

  it('analyticNtkNystrom names a missing or misspelled option', () => {
    const x = points(8, 5);
    const call = (options: unknown) => () => analyticNtkNystrom(spec, x, options as { landmarks: number });
    expect(call(undefined)).toThrow(KernelInputError);
    expect(call(undefined)).toThrow(/give at least \{ landmarks: r \}/);
    expect(call({ landmark: 4 })).toThrow(/unknown option "landmark"; the options are landmarks/);
    expect(call({ seed: 1 })).toThrow(/options\.landmarks is missing/);
    expect(analyticNtkNystrom(spec, x, { landmarks: 4 }).landmarks).toHaveLength(4);
  });

  it('buildNetwork refuses a bad seed or initialOutput with KernelInputError', () => {
    expect(() => buildNetwork(spec, { seed: NaN })).toThrow(KernelInputError);
    expect(() => buildNetwork(spec, { seed: NaN })).toThrow(/seed must be an integer, got NaN/);
    expect(() => buildNetwork(spec, { initialOutput: 'zeros' as never })).toThrow(KernelInputError);
    expect(() => buildNetwork(spec, { initialOutput: 'zeros' as never })).toThrow(/initialOutput must be zero or keep, got zeros/);
  });
});

describe('Nyström and landmark input checks', () => {
  const x = points(6, 6);
  const parts = (diagonal: Float64Array) => {
    const c = analyticCrossKernel(spec, x, new Matrix64(2, 3, x.data.slice(0, 6)));
    return { kind: 'ntk' as const, cross: c.ntk.matrix, landmarks: [0, 1], diagonal };
  };
  const exact = () => analyticKernels(spec, x).train.ntk.matrix;

  it('refuses a non-finite or negative diagonal', () => {
    const d = Float64Array.from({ length: 6 }, (_, i) => exact().get(i, i));
    d[1] = NaN;
    expect(() => nystromFactor(parts(d))).toThrow(/diagonal\[1\] is NaN/);
    d[1] = -1;
    expect(() => nystromFactor(parts(d))).toThrow(/diagonal\[1\] is -1/);
  });

  it('refuses a diagonal below the factor’s squared row norms, accepts the exact one', () => {
    const d = Float64Array.from({ length: 6 }, (_, i) => exact().get(i, i));
    expect(nystromFactor(parts(d.slice())).factor.rows).toBe(6);
    const halved = d.map((v) => v / 2);
    expect(() => nystromFactor(parts(halved))).toThrow(/diagonal\[0\] = .* is below the factor's ‖f_0‖²/);
  });

  it('selectLandmarks refuses non-finite rows', () => {
    const bad = points(5, 7);
    bad.data[4] = NaN;
    expect(() => selectLandmarks(bad, 3, 'kmeans++')).toThrow(KernelInputError);
    expect(() => selectLandmarks(bad, 3, 'kmeans++')).toThrow(/x\[1\]\[1\] is NaN/);
    expect(selectLandmarks(points(5, 7), 3, 'kmeans++')).toHaveLength(3);
  });
});
