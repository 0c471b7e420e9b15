import { describe, expect, it } from 'vitest';
import { conformalQuantile, looIntervalHalfWidths } from './loo-interval.js';
import { looCurve, looResiduals } from './loo.js';
import { looTime } from './loo-time.js';
import { gcvTime, pathAt } from './path.js';
import { profileEvaluator, remlStoppingTime } from './reml.js';
import { fitSpectral } from './spectral-fit.js';
import { stageTwoRule, stageTwoRules } from './stopping-rule.js';
import { normalGenerator, reluNtk } from './test-utils.js';
import { twoStageDecision } from './two-stage.js';

const n = 60;
const kernel = reluNtk(n, 3, 4);
const normal = normalGenerator(9);
// A smooth signal (Θ applied to white noise: it lies on the kernel's large-eigenvalue directions) plus noise.
const white = Array.from({ length: n }, normal);
const raw = Array.from({ length: n }, (_, i) => white.reduce((s, w, j) => s + kernel.get(i, j) * w, 0));
const rms = Math.sqrt(raw.reduce((s, v) => s + v * v, 0) / n);
const y = raw.map((v) => v / rms + 0.3 * normal());
const fit = fitSpectral({ kernel, y });
const learningRate = 0.5 / fit.eigenvalues[0]!;

describe('the decision reports its parts as they start', () => {
  it('the test, REML, then the rule (REML once when it is the rule)', () => {
    for (const [rule, expected] of [['loo', ['test', 'reml', 'loo']], ['gcv', ['test', 'reml', 'gcv']], ['reml', ['test', 'reml']]] as const) {
      const stages: string[] = [];
      const decision = twoStageDecision(fit, { rule, learningRate, onStage: (stage) => stages.push(stage) });
      expect(stages).toEqual(expected);
      expect(decision.rule.name).toBe(rule);
    }
  });
});

describe('stage-2 rules on one grid', () => {
  const rules = stageTwoRules(fit, { learningRate });

  it('share one grid of whole steps (GCV a prefix of it, ending where n − edf = 1)', () => {
    const reference = Array.from(rules.loo.curve.steps!);
    expect(Array.from(rules.reml.curve.steps!)).toEqual(reference);
    const gcvSteps = Array.from(rules.gcv.curve.steps!);
    // GCV's range ends where n − edf = 1: the shared grid up to there, then that end itself.
    expect(gcvSteps.slice(0, -1)).toEqual(reference.slice(0, gcvSteps.length - 1));
    for (const rule of Object.values(rules)) {
      expect(Array.from(rule.curve.times)).toEqual(Array.from(rule.curve.steps!, (k) => k * learningRate));
    }
  });

  it('each curve is the rule’s own criterion, and each stop its minimum', () => {
    const k = Array.from(rules.loo.curve.steps!.subarray(0, 8));
    const loo = looCurve(fit, k.map((steps) => ({ learningRate, steps }))).values;
    k.forEach((_, i) => expect(rules.loo.curve.values[i]).toBeCloseTo(loo[i]!, 12));
    const profile = profileEvaluator(fit, false);
    rules.reml.curve.times.forEach((t, i) => expect(rules.reml.curve.values[i]).toBeCloseTo(-profile(t).logLikelihood, 8));
    for (const rule of Object.values(rules)) {
      expect(rule.outcome).toBe('interior');
      for (const v of rule.curve.values) expect(v).toBeGreaterThanOrEqual(rule.value - 1e-9 * Math.abs(rule.value));
    }
  });

  it('the same stops as the rules’ own functions', () => {
    const loo = looTime(fit, { learningRate });
    expect(rules.loo.steps).toBe(loo.steps);
    expect(rules.reml.time).toBe(remlStoppingTime(fit).time);
    expect(rules.reml.steps).toBe(Math.round(rules.reml.time / learningRate));
    // GCV in whole steps against its continuous minimum: within a step, and no worse than GCV at the continuous t̂.
    const gcv = gcvTime(fit);
    expect(Math.abs(rules.gcv.steps! - gcv.time / learningRate)).toBeLessThanOrEqual(1);
    expect(rules.gcv.value).toBeLessThanOrEqual(pathAt(fit, { learningRate, steps: Math.round(gcv.time / learningRate) }).gcv);
  });

  it('caps a stop past maxSteps and marks it; an uncapped stop is its own', () => {
    const steps = rules.loo.steps!;
    const capped = stageTwoRule(fit, 'loo', { learningRate, maxSteps: steps - 1 });
    expect(capped.capped).toBe(true);
    expect(capped.stop).toEqual({ steps: steps - 1, time: (steps - 1) * learningRate });
    expect(capped.steps).toBe(steps);
    const free = stageTwoRule(fit, 'loo', { learningRate, maxSteps: steps });
    expect(free.capped).toBe(false);
    expect(free.stop.steps).toBe(steps);
  });

  it('the decision trains to the chosen rule, REML reported beside it', () => {
    for (const name of ['loo', 'reml', 'gcv'] as const) {
      const decision = twoStageDecision(fit, { rule: name, learningRate });
      expect(decision.train).toBe(true);
      expect(decision.rule.name).toBe(name);
      expect(decision.rule.steps).toBe(rules[name].steps);
      expect(decision.time).toBe(rules[name].time);
      expect(decision.reml.time).toBe(rules.reml.time);
    }
    expect(() => twoStageDecision(fit, { rule: 'aic' as 'loo' })).toThrow(/unknown stopping rule 'aic'/);
  });
});

describe('REML with a design, at a learning rate', () => {
  const withDesign = fitSpectral({ kernel, y, design: Array.from({ length: n }, () => [1]) });
  const decision = twoStageDecision(withDesign, { rule: 'reml', learningRate });
  const profile = profileEvaluator(withDesign, true);

  it('searches the rules’ whole steps: t̂ = η·k̂, a minimum of −ℓ_R against the steps beside it', () => {
    const { steps, time } = decision.rule;
    expect(time).toBe(steps! * learningRate);
    expect(decision.reml.time).toBe(time);
    const at = (k: number) => -profile(k * learningRate).logLikelihood;
    expect(at(steps!)).toBeLessThanOrEqual(at(steps! - 1));
    expect(at(steps!)).toBeLessThanOrEqual(at(steps! + 1));
  });

  it('refuses a learning rate that is not positive and finite, naming it', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      expect(() => remlStoppingTime(withDesign, { learningRate: bad })).toThrow(/learning rate η = .*; it must be positive/);
    }
  });

  it('its search’s grid is its curve: the LOO grid’s steps (and more), −ℓ_R at each', () => {
    const loo = stageTwoRule(withDesign, 'loo', { learningRate });
    // LOO's grid stops where P_ii cancels at large t; −ℓ_R is determined further.
    expect(Array.from(decision.rule.curve.steps!.subarray(0, loo.curve.steps!.length))).toEqual(Array.from(loo.curve.steps!));
    expect(decision.rule.curve.values).toEqual(decision.reml.grid!.values);
    decision.rule.curve.times.forEach((t, i) => expect(decision.rule.curve.values[i]).toBe(-profile(t).logLikelihood));
  });
});

describe('leave-one-out prediction intervals', () => {
  it('the conformal quantile is the ⌈level(n + 1)⌉-th smallest value, Infinity past n', () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5];
    expect(conformalQuantile(values, 0.9)).toBe(9); // rank ⌈9⌉ = 9
    expect(conformalQuantile(values, 0.5)).toBe(5); // rank 5
    expect(conformalQuantile(values, 0.75)).toBe(8); // rank ⌈7.5⌉ = 8
    expect(conformalQuantile([1, 2, 3, 4, 5], 0.9)).toBe(Infinity); // rank 6 > 5
    expect(() => conformalQuantile(values, 1)).toThrow(/level must be in \(0, 1\)/);
  });

  it('half-widths are order statistics of |r^loo| at the stop, covering the training rows’ own LOO errors', () => {
    const time = { learningRate, steps: looTime(fit, { learningRate }).steps! };
    const interval = looIntervalHalfWidths(fit, time, 0.9);
    const residuals = Array.from(looResiduals(fit, time).data, Math.abs);
    expect(interval.rank).toBe(Math.ceil(0.9 * (n + 1)));
    expect(interval.halfWidths[0]).toBe([...residuals].sort((a, b) => a - b)[interval.rank - 1]);
    const covered = residuals.filter((r) => r <= interval.halfWidths[0]!).length;
    expect(covered).toBe(interval.rank);
  });
});
