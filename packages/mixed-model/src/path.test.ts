import { Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { gcvTime, oracleTime, pathAt, predictAt } from './path.js';
import { fitSpectral } from './spectral-fit.js';
import { denseSolve, multiply, normalGenerator, randomOrthogonal, spectralFunction } from './test-utils.js';

/** Linear model f(x) = φ(x)ᵀθ with features Φ (n×P) and Φ* (n*×P): Θ = ΦΦᵀ/n, Θ(x*, X) = Φ*Φᵀ/n. */
function featureModel(n: number, nNew: number, features: number, seed: number) {
  const normal = normalGenerator(seed);
  const phi = new Matrix64(n, features, Float64Array.from({ length: n * features }, normal));
  const phiNew = new Matrix64(nNew, features, Float64Array.from({ length: nNew * features }, normal));
  const scale = (m: Matrix64) => new Matrix64(m.rows, m.cols, m.data.map((v) => v / n));
  const kernel = scale(multiply(phi, phi.transpose()));
  const cross = scale(multiply(phiNew, phi.transpose()));
  const y = Float64Array.from({ length: n }, normal);
  const f0 = Float64Array.from({ length: n }, () => 0.3 * normal());
  return { phi, phiNew, kernel, cross, y, f0 };
}

describe('the path is gradient flow / gradient descent on the linearised model', () => {
  it('BLUP and predictions = RK4 integration of θ̇ = −(1/n)Φᵀ(Φθ + f0 − y)', () => {
    const n = 12;
    const { phi, phiNew, kernel, cross, y, f0 } = featureModel(n, 5, 20, 3);
    const f0New = Float64Array.from({ length: 5 }, (_, i) => 0.1 * i);
    const fit = fitSpectral({ kernel, y, f0, crossKernel: cross });
    const time = 2.5;
    // RK4 on θ (starts at 0: f = f0 + Φθ).
    let theta = new Float64Array(phi.cols);
    const rate = (th: Float64Array) => {
      const f = multiply(phi, new Matrix64(phi.cols, 1, th)).data.map((v, i) => v + f0[i]! - y[i]!);
      return multiply(phi.transpose(), new Matrix64(n, 1, f)).data.map((v) => -v / n);
    };
    const steps = 2000;
    const h = time / steps;
    for (let s = 0; s < steps; s++) {
      const k1 = rate(theta);
      const k2 = rate(theta.map((v, i) => v + (h / 2) * k1[i]!));
      const k3 = rate(theta.map((v, i) => v + (h / 2) * k2[i]!));
      const k4 = rate(theta.map((v, i) => v + h * k3[i]!));
      theta = theta.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
    }
    const inSample = multiply(phi, new Matrix64(phi.cols, 1, theta)).data.map((v, i) => v + f0[i]!);
    const outOfSample = multiply(phiNew, new Matrix64(phi.cols, 1, theta)).data.map((v, i) => v + f0New[i]!);
    const point = pathAt(fit, time);
    point.fitted!.data.forEach((v, i) => expect(Math.abs(v - inSample[i]!)).toBeLessThan(1e-9));
    point.residuals!.data.forEach((v, i) => expect(Math.abs(v - (y[i]! - inSample[i]!))).toBeLessThan(1e-9));
    predictAt(fit, time, { f0New }).data.forEach((v, i) => expect(Math.abs(v - outOfSample[i]!)).toBeLessThan(1e-9));
  });

  it('discrete time = literal gradient-descent iterations f ← f − ηΘ(f − y)', () => {
    const { kernel, y, f0 } = featureModel(10, 1, 6, 8);
    const fit = fitSpectral({ kernel, y, f0 });
    const lambda1 = Math.max(...fit.eigenvalues);
    const eta = 0.9 / lambda1;
    const steps = 37;
    let f = Float64Array.from(f0);
    for (let s = 0; s < steps; s++) {
      const g = multiply(kernel, new Matrix64(10, 1, f.map((v, i) => v - y[i]!))).data;
      f = f.map((v, i) => v - eta * g[i]!);
    }
    const point = pathAt(fit, { learningRate: eta, steps });
    point.fitted!.data.forEach((v, i) => expect(Math.abs(v - f[i]!)).toBeLessThan(1e-10));
    expect(() => pathAt(fit, { learningRate: 1.5 / lambda1, steps: 3 })).toThrow(/η < 1\/λ1 = .*2\/λ1/s);
  });

  it('with X: BLUP = f0 + Xβ̂ + (I − e^{−tΘ})(u − Xβ̂), β̂ the GLS estimate under V = e^{tΘ} (dense)', () => {
    const n = 9;
    const vectors = randomOrthogonal(n, 4);
    const values = Array.from({ length: n }, (_, i) => 1 / (1 + i));
    const normal = normalGenerator(9);
    const y = new Matrix64(n, 1, Float64Array.from({ length: n }, normal));
    const x = new Matrix64(n, 2, Float64Array.from({ length: 2 * n }, (_, q) => (q % 2 === 0 ? 1 : normal())));
    const fit = fitSpectral({ spectrum: { values, vectors }, y, design: x });
    const t = 1.7;
    const vinv = spectralFunction(vectors, values, (l) => Math.exp(-t * l));
    const beta = denseSolve(multiply(x.transpose(), multiply(vinv, x)), multiply(x.transpose(), multiply(vinv, y)));
    const xb = multiply(x, beta);
    const r = new Matrix64(n, 1, y.data.map((v, i) => v - xb.data[i]!));
    const smooth = multiply(spectralFunction(vectors, values, (l) => -Math.expm1(-t * l)), r);
    const point = pathAt(fit, t);
    point.fitted!.data.forEach((v, i) => expect(Math.abs(v - (xb.data[i]! + smooth.data[i]!))).toBeLessThan(1e-12));
    point.fixedEffects!.data.forEach((v, i) => expect(Math.abs(v - beta.data[i]!)).toBeLessThan(1e-12));
  });
});

describe('path summaries', () => {
  const { kernel, cross, y: noise } = featureModel(15, 6, 30, 21);
  // A smooth signal (Θ applied to a vector) plus noise, so that GCV and the oracle stop at an interior time.
  const signal = multiply(kernel, new Matrix64(15, 1, Float64Array.from({ length: 15 }, (_, i) => 4 * Math.cos(i)))).data;
  const y = signal.map((v, i) => v + 0.3 * noise[i]!);
  const fit = fitSpectral({ kernel, y, crossKernel: cross });

  it('edf rises from 0 to rank Θ; σ̂², GCV and Ψ follow their definitions', () => {
    expect(pathAt(fit, 0).edf).toBe(0);
    const late = pathAt(fit, 1e6);
    expect(Math.abs(late.edf - 15)).toBeLessThan(1e-6);
    const t = 0.8;
    const point = pathAt(fit, t);
    const c = fit.residualProjections.data;
    let rss = 0;
    let loss = 0;
    fit.eigenvalues.forEach((l, i) => {
      rss += Math.exp(-2 * t * l) * c[i]! ** 2;
      loss += Math.exp(-t * l) * c[i]! ** 2;
    });
    expect(Math.abs(point.gcv - (15 * rss) / (15 - point.edf) ** 2)).toBeLessThan(1e-12);
    expect(Math.abs(point.noiseVariance - loss / 15)).toBeLessThan(1e-12);
    const residualNorm = point.residuals!.data.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(residualNorm - rss)).toBeLessThan(1e-10);
  });

  it('GCV time minimises GCV; the oracle time minimises the true risk', () => {
    const g = gcvTime(fit);
    expect(g.time).toBeGreaterThan(0);
    for (const factor of [0.9, 1.1]) expect(pathAt(fit, g.time * factor).gcv).toBeGreaterThanOrEqual(g.value);
    const truth = signal;
    const o = oracleTime(fit, { inSample: truth });
    expect(o.time).toBeGreaterThan(0);
    const risk = (t: number) => pathAt(fit, t).fitted!.data.reduce((s, v, i) => s + (v - truth[i]!) ** 2, 0) / 15;
    expect(Math.abs(risk(o.time) - o.value)).toBeLessThan(1e-12);
    for (const factor of [0.8, 1.25]) expect(risk(o.time * factor)).toBeGreaterThanOrEqual(o.value);
  });
});

describe('GCV near interpolation', () => {
  it('GCV → n·c_n² as edf → n: a spurious minimum at absurd t that gcvTime excludes (n − edf ≥ 1)', () => {
    const n = 20;
    const normal = normalGenerator(1);
    const values = Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 1.5);
    const c = Array.from({ length: n }, (_, i) => (i < 3 ? 3 : 0) + 0.3 * normal());
    c[n - 1] = 1e-4; // u has (almost) no weight on the smallest eigenvalue: GCV(∞) = n·c_n² = 2e-7
    const fit = fitSpectral({ spectrum: { values, residualProjections: c } });
    const dense = Array.from({ length: 3001 }, (_, i) => 1e-3 * 10 ** ((i / 3000) * 8)).map((t) => ({ t, ...pathAt(fit, t) }));
    const argmin = (points: typeof dense) => points.reduce((a, b) => (b.gcv < a.gcv ? b : a));
    // The trap is real: over the whole range GCV is smallest where less than one residual degree of freedom is left.
    const unguarded = argmin(dense);
    expect(n - unguarded.edf).toBeLessThan(1e-3);
    expect(unguarded.t).toBeGreaterThan(1e3);
    const admissible = argmin(dense.filter((p) => n - p.edf >= 1));
    expect(n - admissible.edf).toBeGreaterThan(5);
    const selected = gcvTime(fit);
    expect(Math.abs(Math.log(selected.time / admissible.t))).toBeLessThan(0.01);
    expect(selected.value).toBeLessThanOrEqual(admissible.gcv);
    expect(Math.abs(n - pathAt(fit, selected.largestTime).edf - 1)).toBeLessThan(1e-8);
  });

  it('no limit when n − edf never falls below 1 (a singular Θ keeps its null directions)', () => {
    const values = [3, 2, 1, 0, 0];
    const fit = fitSpectral({ spectrum: { values, residualProjections: [2, 1, 0.5, 0.3, -0.2] } });
    expect(gcvTime(fit).largestTime).toBe(Infinity);
  });
});
