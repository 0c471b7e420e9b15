import { availableBackends, Matrix64, setBackend } from '@duality/linalg-core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MixedModelInputError } from './errors.js';
import { pathAt } from './path.js';
import { remlStoppingTime } from './reml.js';
import { scoreTest } from './score-test.js';
import { fitSpectral } from './spectral-fit.js';
import { twoStageDecision } from './two-stage.js';
import { normalGenerator, reluNtk } from './test-utils.js';

describe('fitSpectral: bad input gets a MixedModelInputError naming the problem', () => {
  const kernel = reluNtk(6, 3, 1);
  const y = [1, 2, 3, 4, 5, 6];
  const cases: [string, () => unknown, RegExp][] = [
    ['length mismatch', () => fitSpectral({ kernel, y: [1, 2, 3] }), /y has 3 rows but the kernel has n = 6/],
    ['NaN in y', () => fitSpectral({ kernel, y: [1, 2, NaN, 4, 5, 6] }), /non-finite entry NaN at row 2/],
    ['Infinity in f0', () => fitSpectral({ kernel, y, f0: [0, 0, 0, 0, 0, Infinity] }), /f0 has a non-finite/],
    ['n < 3', () => fitSpectral({ spectrum: { values: [1, 0.5], residualProjections: [1, 1] } }), /at least 3/],
    ['u ≡ 0', () => fitSpectral({ kernel, y, f0: y }), /identically zero/],
    ['p ≥ n', () => fitSpectral({ kernel, y, design: Matrix64.identity(6) }), /p = 6 columns but n = 6/],
    [
      'rank-deficient X',
      () => fitSpectral({ kernel, y, design: y.map(() => [1, 2]) }),
      /rank-deficient: column 1/,
    ],
    [
      'non-PSD kernel',
      () => fitSpectral({ spectrum: { values: [1, 0.5, -0.2], residualProjections: [1, 1, 1] } }),
      /not positive semi-definite/,
    ],
    ['non-square kernel', () => fitSpectral({ kernel: [[1, 0, 0], [0, 1, 0]], y: [1, 2, 3] }), /kernel must be square, got 2×3/],
    ['indefinite kernel', () => fitSpectral({ spectrum: { values: [-0.1, -0.3, -0.5], residualProjections: [1, 1, 1] } }), /not positive semi-definite: no eigenvalue is positive and the smallest is -0\.5000/],
    ['y beyond float64\'s safe scale', () => fitSpectral({ kernel, y: y.map((v) => v * 1e160) }), /y − f0 .* outside \[1e-75, 1e75\].*rescale y/],
    ['y below it', () => fitSpectral({ kernel, y: y.map((v) => v * 1e-160) }), /outside \[1e-75, 1e75\].*rescale y/],
    ['Θ beyond it', () => fitSpectral({ spectrum: { values: [1e200, 1e199, 1], residualProjections: [1, 1, 1] } }), /λ1 is 1\.00e\+200.*rescale Θ/],
  ];
  for (const [name, run, message] of cases) {
    it(name, () => {
      expect(run).toThrow(MixedModelInputError);
      expect(run).toThrow(message);
    });
  }

  it('inside the safe scale the statistics do not depend on the scale of y', () => {
    const big = reluNtk(30, 3, 2);
    const noise = normalGenerator(5);
    const u = Array.from({ length: 30 }, (_, i) => 0.3 * Math.sin(i / 3) + noise());
    const at = (scale: number) => {
      const fit = fitSpectral({ kernel: big, y: u.map((v) => v * scale) });
      return { p: scoreTest(fit).p, t: remlStoppingTime(fit).time };
    };
    const base = at(1);
    expect(base.p).toBeGreaterThan(1e-12);
    expect(Number.isFinite(base.t) && base.t > 0).toBe(true);
    for (const scale of [1e-60, 1e60]) {
      expect(at(scale).p / base.p).toBeCloseTo(1, 9);
      expect(at(scale).t / base.t).toBeCloseTo(1, 6);
    }
  });

  it('options that would put NaN in a result or silently mean something else', () => {
    const fit = fitSpectral({ kernel, y });
    expect(() => remlStoppingTime(fit, { profileTimes: [1, Number.NaN] }).profile).toThrow(/profileTimes must be finite and ≥ 0, got NaN/);
    expect(() => scoreTest(fit, { projectOut: 'nothng' as 'nothing' })).toThrow(/unknown projectOut 'nothng'/);
    expect(() => twoStageDecision(fit, { alpha: 2 })).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => twoStageDecision(fit, { convention: 'foo' as 'exact' })).toThrow(/unknown convention 'foo'/);
  });

  it('tiny negative eigenvalues are clipped and reported', () => {
    const fit = fitSpectral({ spectrum: { values: [1, 0.5, -1e-14], residualProjections: [1, 1, 1] } });
    expect(fit.eigenvalues[2]).toBe(0);
    expect(fit.mostNegativeEigenvalue).toBe(-1e-14);
  });
});

describe('properties over random spectra, targets and designs (fast-check)', () => {
  const problem = fc.record({
    values: fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 4, maxLength: 12 }),
    coefficients: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 12, maxLength: 12 }),
    designColumn: fc.option(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 12, maxLength: 12 })),
    time: fc.double({ min: 0, max: 100, noNaN: true }),
  });

  it('no NaN; p ∈ [0, 1]; t̂ ≥ 0; σ̂² > 0; edf ∈ [0, rank] (with X: [p, p + rank])', () => {
    fc.assert(
      fc.property(problem, ({ values, coefficients, designColumn, time }) => {
        const n = values.length;
        const c = coefficients.slice(0, n);
        fc.pre(values.some((v) => v > 1e-6) && c.some((v) => Math.abs(v) > 1e-3));
        const z = designColumn ? designColumn.slice(0, n).map((v) => [1, v]) : undefined;
        let fit;
        let test;
        try {
          fit = fitSpectral({ spectrum: { values, residualProjections: c, designProjections: z } });
          test = scoreTest(fit);
        } catch (err) {
          // Random designs may be rank-deficient or span u or Θ; that must be the named error, nothing else.
          expect(err).toBeInstanceOf(MixedModelInputError);
          return;
        }
        const rank = values.filter((v) => v > 0).length;
        const p = z ? 2 : 0;
        expect(test.p).toBeGreaterThanOrEqual(0);
        expect(test.p).toBeLessThanOrEqual(1);
        expect(Number.isNaN(test.satterthwaiteP)).toBe(false);
        const reml = remlStoppingTime(fit);
        expect(reml.time).toBeGreaterThanOrEqual(0);
        // t̂ = ∞ means noise-free: σ̂² → 0 is then the right limit.
        if (reml.outcome === 'infinite') expect(reml.noiseVariance).toBeGreaterThanOrEqual(0);
        else expect(reml.noiseVariance).toBeGreaterThan(0);
        const point = pathAt(fit, time);
        for (const v of [point.edf, point.gcv, point.noiseVariance, point.decorrelation]) expect(Number.isNaN(v)).toBe(false);
        expect(point.edf).toBeGreaterThanOrEqual(p - 1e-9);
        expect(point.edf).toBeLessThanOrEqual(p + rank + 1e-9);
      }),
      { numRuns: 150 },
    );
  });
});

describe.skipIf(!availableBackends().includes('lapack'))('the two linear-algebra backends agree', () => {
  afterAll(() => setBackend('auto'));
  it('score test, REML and path from the kernel, lapack vs ts', () => {
    const kernel = reluNtk(40, 4, 3);
    const noise = normalGenerator(4);
    // A signal in the kernel's range plus a little structured noise: REML stops at an interior time.
    const y = Array.from({ length: 40 }, (_, i) => {
      let s = 0;
      for (let j = 0; j < 40; j++) s += kernel.get(i, j) * 40 * Math.cos(j);
      return s + 0.3 * noise();
    });
    const design = y.map((_, i) => [1, i / 40]);
    const run = (backend: 'lapack' | 'ts') => {
      setBackend(backend);
      const fit = fitSpectral({ kernel, y, design });
      const reml = remlStoppingTime(fit);
      return { p: scoreTest(fit).p, t: reml.time, fitted: pathAt(fit, reml.time).fitted!.data };
    };
    const a = run('lapack');
    const b = run('ts');
    expect(a.t).toBeGreaterThan(0);
    expect(Math.abs(a.p / b.p - 1)).toBeLessThan(1e-8);
    expect(Math.abs(a.t / b.t - 1)).toBeLessThan(1e-8);
    a.fitted.forEach((v, i) => expect(Math.abs(v - b.fitted[i]!)).toBeLessThan(1e-10));
  });
});
