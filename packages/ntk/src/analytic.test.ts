import { describe, expect, it } from 'vitest';
import { analyticKernels } from './analytic.js';
import { KernelInputError } from './errors.js';
import { toTrainingScale } from './kernel.js';
import type { MlpSpec } from './spec.js';
import { inputs, maxAsymmetry, smallestRelativePivot } from './test-utils.js';

const spec = (overrides: Partial<MlpSpec>): MlpSpec => ({
  inputDim: 3,
  hiddenWidths: [64, 64],
  activation: { name: 'relu' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 1,
  ...overrides,
});

const activations: MlpSpec['activation'][] = [
  { name: 'relu' },
  { name: 'leaky_relu', slope: 0.1 },
  { name: 'leaky_relu', slope: -1 },
  { name: 'erf' },
  { name: 'tanh' },
  { name: 'gelu' },
  { name: 'sigmoid' },
  { name: 'identity' },
];

describe('analyticKernels', () => {
  it.each(activations)('is symmetric and positive definite for $name (slope $slope)', (activation) => {
    for (const parameterisation of ['ntk', 'standard', 'mup'] as const) {
      const { nngp, ntk } = analyticKernels(spec({ activation, parameterisation }), inputs(12, 3)).train;
      for (const k of [nngp, ntk]) {
        expect(maxAsymmetry(k.matrix)).toBe(0);
        if (activation.name === 'identity') {
          // A linear model has rank ≤ d + 1 < n: positive semi-definite, so definite after a tiny shift.
          expect(smallestRelativePivot(k.matrix, 1e-10 * k.matrix.get(0, 0))).toBeGreaterThan(0);
        } else {
          // Distinct inputs, non-linear φ: strictly positive definite (pivots well above rounding).
          expect(smallestRelativePivot(k.matrix)).toBeGreaterThan(1e-9);
        }
      }
    }
  });

  it('test×train rows equal the train×train rows of the same points', () => {
    const x = inputs(6, 3);
    for (const activation of [{ name: 'relu' } as const, { name: 'gelu' } as const]) {
      const result = analyticKernels(spec({ activation }), x, { xTest: [x[4]!, x[1]!] });
      for (const [row, point] of [
        [0, 4],
        [1, 1],
      ] as const) {
        for (let j = 0; j < 6; j++) {
          expect(result.test!.ntk.matrix.get(row, j)).toBeCloseTo(result.train.ntk.matrix.get(point, j), 12);
          expect(result.test!.nngp.matrix.get(row, j)).toBeCloseTo(result.train.nngp.matrix.get(point, j), 12);
        }
      }
      expect(result.test!.ntk.n).toBe(6);
    }
  });

  it('μP is the ntk kernel scaled by 1/N at the readout, plus the readout bias', () => {
    const x = inputs(5, 3);
    const ntk = analyticKernels(spec({ activation: { name: 'tanh' } }), x).train;
    const mup = analyticKernels(spec({ activation: { name: 'tanh' }, parameterisation: 'mup' }), x).train;
    const b2 = 0.01;
    ntk.ntk.matrix.data.forEach((v, i) => expect(mup.ntk.matrix.data[i]).toBeCloseTo((v - b2) / 64 + b2, 12));
    ntk.nngp.matrix.data.forEach((v, i) => expect(mup.nngp.matrix.data[i]).toBeCloseTo((v - b2) / 64 + b2, 12));
  });

  it('a one-hidden-layer identity network has the linear closed form', () => {
    // Depth-2 linear net, ntk parameterisation: Σ¹ = s xᵀx'/d + b, Σ² = s Σ¹ + b, Θ = Σ¹·s + Σ².
    const s = 2;
    const b = 0.01;
    const x = inputs(4, 3);
    const k = analyticKernels(spec({ activation: { name: 'identity' }, hiddenWidths: [5] }), x).train.ntk;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const sigma1 = (s * x[i]!.reduce((acc, v, c) => acc + v * x[j]![c]!, 0)) / 3 + b;
        expect(k.matrix.get(i, j)).toBeCloseTo(sigma1 * s + s * sigma1 + b, 12);
      }
    }
  });

  it('stays finite and stable for deep nets and nearly parallel inputs (ρ → 1)', () => {
    const x = [
      [1, 2, 3],
      [1, 2, 3 + 1e-9],
      [-1, -2, -3],
    ];
    for (const activation of [{ name: 'relu' } as const, { name: 'erf' } as const, { name: 'tanh' } as const]) {
      const k = analyticKernels(spec({ activation, hiddenWidths: Array(40).fill(8) }), x).train.ntk.matrix;
      expect(k.data.every(Number.isFinite)).toBe(true);
      expect(Math.abs(k.get(0, 1) - k.get(0, 0)) / k.get(0, 0)).toBeLessThan(1e-6);
      // ρ = −1 is handled too: the antipodal entry lies below the diagonal.
      expect(k.get(0, 2)).toBeLessThan(k.get(0, 0));
    }
  });

  it('rejects inputs of the wrong width or with NaN, naming them', () => {
    expect(() => analyticKernels(spec({}), [[1, 2]])).toThrow(KernelInputError);
    expect(() => analyticKernels(spec({}), [[1, 2]])).toThrow(/xTrain has 2 columns.*input dimension is 3/);
    expect(() => analyticKernels(spec({}), [[1, 2, 3]], { xTest: [[1, NaN, 3]] })).toThrow(/xTest\[0\]\[1\] is NaN/);
  });
});

describe('toTrainingScale', () => {
  it('divides by n exactly once', () => {
    const { ntk } = analyticKernels(spec({}), inputs(4, 3)).train;
    const once = toTrainingScale(ntk);
    expect(once.scale).toBe('per-sample-1/n');
    expect(once.matrix.get(1, 2)).toBeCloseTo(ntk.matrix.get(1, 2) / 4, 15);
    expect(toTrainingScale(once)).toBe(once);
    expect(ntk.scale).toBe('raw');
  });
});
