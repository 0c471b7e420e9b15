import { Matrix64, solveSpd } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { MixedModelNumericalError } from './errors.js';
import { looCurve, looResiduals } from './loo.js';
import { looTime } from './loo-time.js';
import { fitSpectral } from './spectral-fit.js';
import { multiply, normalGenerator, randomOrthogonal, spectralFunction } from './test-utils.js';
import type { TrainingTime } from './training-time.js';

function randomMatrix(rows: number, cols: number, normal: () => number): Matrix64 {
  return new Matrix64(rows, cols, Float64Array.from({ length: rows * cols }, normal));
}

/** Rows (and columns) `keep` of a matrix. */
function pick(m: Matrix64, rows: number[], cols: number[] = Array.from({ length: m.cols }, (_, j) => j)): Matrix64 {
  return new Matrix64(rows.length, cols.length, Float64Array.from(rows.flatMap((i) => cols.map((j) => m.get(i, j)))));
}

function subtract(a: Matrix64, b: Matrix64): Matrix64 {
  return new Matrix64(a.rows, a.cols, a.data.map((v, q) => v - b.data[q]!));
}

/**
 * n explicit Gaussian conditionals under u ~ N(Xβ, V): r_i = u_i − x_iᵀβ̂_{−i} − V_{i,−i}V_{−i,−i}⁻¹(u_{−i} − X_{−i}β̂_{−i}),
 * β̂_{−i} the GLS estimate from the other n − 1 points (r_i = u_i − V_{i,−i}V_{−i,−i}⁻¹u_{−i} without X).
 */
function explicitConditionals(v: Matrix64, u: Matrix64, x: Matrix64 | undefined): Matrix64 {
  const n = v.rows;
  const out = new Matrix64(n, u.cols);
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: n - 1 }, (_, q) => (q < i ? q : q + 1));
    const vOthers = pick(v, others, others);
    let centred = pick(u, others);
    let prediction = new Matrix64(1, u.cols);
    if (x) {
      const xOthers = pick(x, others);
      const vinvX = solveSpd(vOthers, xOthers);
      const beta = solveSpd(multiply(xOthers.transpose(), vinvX), multiply(vinvX.transpose(), centred));
      centred = subtract(centred, multiply(xOthers, beta));
      prediction = multiply(pick(x, [i]), beta);
    }
    const kriging = multiply(pick(v, [i], others), solveSpd(vOthers, centred));
    for (let j = 0; j < u.cols; j++) out.set(i, j, u.get(i, j) - prediction.get(0, j) - kriging.get(0, j));
  }
  return out;
}

function expectClose(actual: Matrix64, reference: Matrix64, relative: number): void {
  const scale = reference.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(actual.rows).toBe(reference.rows);
  expect(actual.cols).toBe(reference.cols);
  const worst = actual.data.reduce((m, v, q) => Math.max(m, Math.abs(v - reference.data[q]!)), 0);
  expect(worst).toBeLessThanOrEqual(relative * scale);
}

/** Random PSD Θ = U Λ Uᵀ (one eigenvalue exactly 0), targets n×k, and an intercept + covariates design. */
function problem(n: number, k: number, p: number, seed: number) {
  const normal = normalGenerator(seed);
  const vectors = randomOrthogonal(n, seed + 1);
  const values = Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 0.05 + 1.95 * Math.abs(Math.sin(seed + 3 * i))));
  const kernel = spectralFunction(vectors, values, (l) => l);
  const u = randomMatrix(n, k, normal);
  const x = p > 0 ? new Matrix64(n, p, Float64Array.from({ length: n * p }, (_, q) => (q % p === 0 ? 1 : normal()))) : undefined;
  return { vectors, values, kernel, u, x };
}

/** V (up to σ²) of the model at a time: e^{tΘ}, or (I − ηΘ)^{−k}. */
function covarianceAt(vectors: Matrix64, values: number[], time: TrainingTime): Matrix64 {
  if (typeof time === 'number') return spectralFunction(vectors, values, (l) => Math.exp(time * l));
  return spectralFunction(vectors, values, (l) => (1 - time.learningRate * l) ** -time.steps);
}

describe('LOO residuals equal n explicit Gaussian conditionals', () => {
  const cases = [
    { n: 12, k: 1, p: 0, from: 'kernel' },
    { n: 20, k: 3, p: 0, from: 'vectors' },
    { n: 16, k: 2, p: 2, from: 'kernel' },
    { n: 30, k: 1, p: 3, from: 'vectors' },
  ] as const;
  const times: TrainingTime[] = [0, 0.7, 2.5, { learningRate: 0.4, steps: 5 }];
  for (const { n, k, p, from } of cases) {
    it(`n = ${n}, k = ${k} outputs, p = ${p} (fit from the ${from}): continuous and discrete time, to 1e-10`, () => {
      const { vectors, values, kernel, u, x } = problem(n, k, p, 7 * n + k + p);
      const spectrum = from === 'kernel' ? { kernel } : { spectrum: { values, vectors } };
      const fit = fitSpectral({ ...spectrum, y: u, design: x });
      const curve = looCurve(fit, times);
      times.forEach((time, q) => {
        const reference = explicitConditionals(covarianceAt(vectors, values, time), u, x);
        expectClose(looResiduals(fit, time), reference, 1e-10);
        const meanSquare = reference.data.reduce((s, r) => s + r * r, 0) / n;
        expect(Math.abs(curve.values[q]! - meanSquare)).toBeLessThanOrEqual(1e-10 * meanSquare);
      });
      expect(curve.usedDesign).toBe(p > 0);
    });
  }

  it('useDesign: false ignores X (the same numbers as a fit without it)', () => {
    const { vectors, values, u, x } = problem(14, 1, 2, 3);
    const withX = fitSpectral({ spectrum: { values, vectors }, y: u, design: x });
    const without = fitSpectral({ spectrum: { values, vectors }, y: u });
    expectClose(looResiduals(withX, 1.3, { useDesign: false }), looResiduals(without, 1.3), 1e-15);
    expectClose(looResiduals(withX, 1.3), explicitConditionals(covarianceAt(vectors, values, 1.3), u, x), 1e-10);
  });

  it('a projections-only fit is refused with the fix named', () => {
    const fit = fitSpectral({ spectrum: { values: [3, 2, 1], residualProjections: [1, 2, 3] } });
    expect(() => looCurve(fit, [1])).toThrow(/eigenvectors.*spectrum\.vectors/);
  });
});

describe('large t: numerator and denominator both underflow when computed naively', () => {
  // λ_min = 1 twice, the next 0.3 above: from t ≈ 750 every e^{−tλ} is 0 and the naive ratio is 0/0.
  const values = [3, 2.6, 2.2, 1.8, 1.5, 1.3, 1, 1];
  const n = values.length;
  const vectors = randomOrthogonal(n, 41);
  const u = randomMatrix(n, 2, normalGenerator(42));
  const fit = fitSpectral({ spectrum: { values, vectors }, y: u });
  const c = multiply(vectors.transpose(), u);

  /** The naive ratio U(e^{−tλ}∘c) / (U∘U)e^{−tλ}, for the decay factors `decay`. */
  const naive = (decay: number[]) =>
    new Matrix64(n, 2, Float64Array.from({ length: 2 * n }, (_, q) => {
      const [i, j] = [Math.floor(q / 2), q % 2];
      let num = 0;
      let den = 0;
      for (let l = 0; l < n; l++) {
        num += vectors.get(i, l) * decay[l]! * c.get(l, j);
        den += vectors.get(i, l) ** 2 * decay[l]!;
      }
      return num / den;
    }));
  /** The t → ∞ limit in closed form: [P u]_i / P_ii with P the projector on the eigenspace of λ_min. */
  const limit = naive(values.map((l) => (l === 1 ? 1 : 0)));

  it('continuous time: finite and equal to the λ_min-eigenspace limit where the naive ratio is NaN', () => {
    expect(naive(values.map((l) => Math.exp(-2000 * l))).data.every(Number.isNaN)).toBe(true);
    expectClose(looResiduals(fit, 2000), limit, 1e-12);
    expectClose(looResiduals(fit, Infinity), limit, 1e-12);
    // Where the naive ratio still works, the scaled one agrees with it.
    expectClose(looResiduals(fit, 150), naive(values.map((l) => Math.exp(-150 * l))), 1e-12);
  });

  it('discrete time: (1 − ηλ)^k over its largest factor', () => {
    const time = { learningRate: 0.3, steps: 100000 };
    expect(naive(values.map((l) => (1 - 0.3 * l) ** 100000)).data.every(Number.isNaN)).toBe(true);
    expectClose(looResiduals(fit, time), limit, 1e-12);
  });
});

/** A power-law spectrum with signal on the top directions and noise on all: LOO has an interior minimum. */
function signalPlusNoise(n: number, p: number, seed: number) {
  const normal = normalGenerator(seed);
  const vectors = randomOrthogonal(n, seed + 1);
  const values = Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 1.5);
  const c = Float64Array.from({ length: n }, (_, i) => (i < 4 ? 3 : 0) + 0.5 * normal());
  const u = multiply(vectors, new Matrix64(n, 1, c));
  const x = p > 0 ? new Matrix64(n, p, Float64Array.from({ length: n * p }, (_, q) => (q % p === 0 ? 1 : normal()))) : undefined;
  return fitSpectral({ spectrum: { values, vectors }, y: u, design: x });
}

describe('looTime: the minimiser', () => {
  for (const p of [0, 2]) {
    it(`finds the minimum of a dense evaluation of the curve (p = ${p})`, () => {
      const fit = signalPlusNoise(30, p, 5 + p);
      const found = looTime(fit);
      expect(found.outcome).toBe('interior');
      // Up to the largest time the grid found determined (with X, P_ii cancels once fewer than ~p directions are left).
      const top = Math.log10(Math.min(1e6, found.largestTime));
      const dense = Array.from({ length: 4001 }, (_, i) => 10 ** (-3 + (i / 4000) * (top + 3)));
      const values = looCurve(fit, dense).values;
      const best = values.indexOf(Math.min(...values));
      expect(best).toBeGreaterThan(0);
      expect(best).toBeLessThan(4000);
      expect(found.time).toBeGreaterThan(dense[best - 1]!);
      expect(found.time).toBeLessThan(dense[best + 1]!);
      expect(found.value).toBeLessThanOrEqual(values[best]!);
      expect(Math.abs(looCurve(fit, [found.time]).values[0]! - found.value)).toBeLessThanOrEqual(1e-14 * found.value);
      for (const factor of [1 - 1e-4, 1 + 1e-4]) expect(looCurve(fit, [found.time * factor]).values[0]!).toBeGreaterThanOrEqual(found.value);
    });
  }

  it('discrete time: a whole number of steps, no better neighbour, t̂ = η·k̂', () => {
    const fit = signalPlusNoise(30, 0, 9);
    const learningRate = 0.5;
    const found = looTime(fit, { learningRate });
    expect(found.outcome).toBe('interior');
    const k = found.steps!;
    expect(Number.isInteger(k)).toBe(true);
    expect(found.time).toBe(learningRate * k);
    const around = Array.from({ length: 2 * k + 1 }, (_, i) => ({ learningRate, steps: i }));
    const values = looCurve(fit, around).values;
    expect(values.indexOf(Math.min(...values))).toBe(k);
    expect(values[k]).toBe(found.value);
  });

  it("'zero' when u lies on the eigenvector of the smallest eigenvalue (LOO(t) increasing)", () => {
    const n = 15;
    const values = Array.from({ length: n }, (_, i) => 2 - i / n);
    const vectors = randomOrthogonal(n, 17);
    const u = Float64Array.from({ length: n }, (_, i) => 3 * vectors.get(i, n - 1));
    const fit = fitSpectral({ spectrum: { values, vectors }, y: u });
    for (const options of [{}, { learningRate: 0.4 }]) {
      const found = looTime(fit, options);
      expect(found.outcome).toBe('zero');
      expect(found.time).toBe(0);
      expect(Math.abs(found.value - u.reduce((s, v) => s + v * v, 0) / n)).toBeLessThan(1e-14);
      expect(found.grid.values.every((v, i) => i === 0 || v > found.value)).toBe(true);
    }
    expect(looTime(fit, { learningRate: 0.4 }).steps).toBe(0);
  });

  it("'infinite' when u lies on the top eigenvector (noise-free: LOO(t) decreasing to 0)", () => {
    const n = 15;
    const values = Array.from({ length: n }, (_, i) => 2 - i / n);
    const vectors = randomOrthogonal(n, 18);
    const u = Float64Array.from({ length: n }, (_, i) => vectors.get(i, 0));
    const found = looTime(fitSpectral({ spectrum: { values, vectors }, y: u }));
    expect(found.outcome).toBe('infinite');
    expect(found.time).toBe(Infinity);
    expect(found.truncated).toBeUndefined();
    // Decreasing down to the rounding floor that c = Uᵀu's last digits leave (about 1e-31 here).
    const grid = found.grid.values;
    expect(grid[grid.length - 1]!).toBeLessThan(1e-20 * grid[0]!);
    for (let i = 1; i < grid.length && grid[i]! > 1e-20 * grid[0]!; i++) expect(grid[i]!).toBeLessThan(grid[i - 1]!);
    expect(found.value).toBe(grid[grid.length - 1]);
  });
});

describe('0/0 at working precision is reported, never a NaN', () => {
  it('block-diagonal Θ: rows whose eigenvectors miss λ_min underflow; the curve throws, the grid stops before', () => {
    // Θ = diag(A, B), spectrum of A in [1, 2] and of B in [0.01, 0.02]: U has exact zeros, so beyond t ≈ 750 the
    // rows of A have no term left once e^{−tλ_min} (a λ of B) is factored out.
    const half = 6;
    const blockA = randomOrthogonal(half, 51);
    const blockB = randomOrthogonal(half, 52);
    const vectors = new Matrix64(2 * half, 2 * half);
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < half; j++) {
        vectors.set(i, j, blockA.get(i, j));
        vectors.set(half + i, half + j, blockB.get(i, j));
      }
    }
    const values = [...Array.from({ length: half }, (_, i) => 2 - i / half), ...Array.from({ length: half }, (_, i) => 0.02 - i / (600 * half))];
    const u = Float64Array.from({ length: 2 * half }, normalGenerator(53));
    const fit = fitSpectral({ spectrum: { values, vectors }, y: u });
    expect(() => looCurve(fit, [1, 2000])).toThrow(MixedModelNumericalError);
    expect(() => looCurve(fit, [2000])).toThrow(/t = 2000 .*point [0-5] underflowed/);
    const found = looTime(fit);
    expect(found.truncated).toMatch(/underflowed/);
    expect(found.largestTime).toBeGreaterThan(100);
    expect(found.largestTime).toBeLessThan(2000);
    expect(found.grid.values.every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(found.time) || Number.isNaN(found.value)).toBe(false);
    // u on B's top eigenvector: LOO still decreasing where the grid stops, so the outcome is 'infinite' (there).
    const onB = Float64Array.from({ length: 2 * half }, (_, i) => vectors.get(i, half));
    const stillDecreasing = looTime(fitSpectral({ spectrum: { values, vectors }, y: onB }));
    expect(stillDecreasing.outcome).toBe('infinite');
    const grid = stillDecreasing.grid.values;
    expect(grid[grid.length - 1]!).toBeGreaterThan(1e-3 * grid[0]!);
    expect(grid[grid.length - 1]!).toBeLessThan(grid[grid.length - 2]!);
    expect(stillDecreasing.value).toBe(grid[grid.length - 1]);
  });

  it('with X: a column that is one point’s indicator leaves β unidentified without that point', () => {
    const { vectors, values, u } = problem(12, 1, 0, 61);
    const x = new Matrix64(12, 2, Float64Array.from({ length: 24 }, (_, q) => (q % 2 === 0 ? 1 : q === 1 ? 1 : 0)));
    const fit = fitSpectral({ spectrum: { values, vectors }, y: u, design: x });
    expect(() => looCurve(fit, [0.5])).toThrow(/point 0 cancelled.*rests on X alone/);
    expect(() => looTime(fit)).toThrow(MixedModelNumericalError);
    expect(looCurve(fit, [0.5], { useDesign: false }).values.every(Number.isFinite)).toBe(true);
  });
});
