import { describe, expect, it } from 'vitest';
import { scalarActivation } from './activations.js';
import { activationPairExpectations, analyticKernels } from './analytic.js';
import { gaussHermiteRule, gaussianPairExpectations } from './gauss-hermite.js';
import { erf, normalCdf } from './special.js';

describe('erf', () => {
  it('matches reference values on both branches and is odd', () => {
    // Reference values of erf (Abramowitz & Stegun table 7.1 / any CAS), 16 digits.
    const cases: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [3.5, 0.9999992569016276],
    ];
    for (const [x, want] of cases) {
      expect(Math.abs(erf(x) - want)).toBeLessThan(2e-15);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(Math.abs(normalCdf(1.959963984540054) - 0.975)).toBeLessThan(1e-15);
  });
});

describe('normalCdf', () => {
  it('keeps full relative precision deep in the lower tail', () => {
    // Φ(x) to 17 digits (mpmath.ncdf at 40 digits). 0.5·(1 + erf(x/√2)) was 1.8% off at −8 and 0 at −10.
    const cases: [number, number][] = [
      [-10, 7.6198530241605261e-24],
      [-8, 6.2209605742717841e-16],
      [-5, 2.8665157187919391e-7],
      [-1.5, 0.066807201268858066],
      [0.5, 0.6914624612740131],
      [3, 0.99865010196836991],
    ];
    for (const [x, want] of cases) expect(Math.abs(normalCdf(x) - want) / want).toBeLessThan(1e-14);
  });
});

describe("sigmoid's derivative", () => {
  it('does not underflow where σ rounds to 1', () => {
    // e^{−|x|}/(1 + e^{−|x|})² to 17 digits (mpmath); s·(1 − s) gave 0 beyond |x| ≈ 37.
    const { derivative } = scalarActivation({ name: 'sigmoid' });
    const cases: [number, number][] = [
      [2, 0.10499358540350652],
      [40, 4.248354255291589e-18],
      [50, 1.9287498479639178e-22],
      [-60, 8.7565107626965203e-27],
    ];
    for (const [x, want] of cases) expect(Math.abs(derivative(x) - want) / want).toBeLessThan(1e-14);
  });
});

describe('Gauss–Hermite rule', () => {
  it('integrates x^{2k} e^{−x²} exactly up to degree 2·order − 1', () => {
    const order = 20;
    const { nodes, weights } = gaussHermiteRule(order);
    // ∫ x^{2k} e^{−x²} dx = Γ(k + 1/2) = √π·(2k−1)!!/2^k.
    let exact = Math.sqrt(Math.PI);
    for (let k = 0; 2 * k <= 2 * order - 1; k++) {
      let sum = 0;
      for (let i = 0; i < order; i++) sum += weights[i]! * nodes[i]! ** (2 * k);
      expect(Math.abs(sum - exact) / exact).toBeLessThan(1e-12);
      exact *= (2 * k + 1) / 2;
    }
    const odd = nodes.reduce((s, x, i) => s + weights[i]! * x ** 3, 0);
    expect(Math.abs(odd)).toBeLessThan(1e-12);
  });

  it('quadrature reproduces the erf closed forms (smooth integrand: 1e-6 at 48 points)', () => {
    const rule = gaussHermiteRule(48);
    const erfActivation = scalarActivation({ name: 'erf' });
    for (const [a, b, c] of [
      [1, 2, 0.3],
      [0.5, 0.5, 0.5],
      [2, 1, -1.2],
    ] as const) {
      const closed = activationPairExpectations({ name: 'erf' }, a, b, c, rule);
      const quad = gaussianPairExpectations(rule, a, b, c, erfActivation.value, erfActivation.derivative);
      expect(quad.valueProduct).toBeCloseTo(closed.valueProduct, 6);
      expect(quad.derivativeProduct).toBeCloseTo(closed.derivativeProduct, 6);
    }
  });

  it('the ReLU arc-cosine and leaky-ReLU closed forms agree with quadrature', () => {
    for (const slope of [0, 0.2, -1]) {
      for (const [a, b, c] of [
        [1, 1, 0.6],
        [2, 0.5, -0.4],
        [1.5, 1.5, 1.4999],
      ] as const) {
        const closed = activationPairExpectations({ name: 'leaky_relu', slope }, a, b, c, gaussHermiteRule(8));
        const polar = polarExpectations(slope, a, b, c);
        expect(Math.abs(polar.valueProduct - closed.valueProduct)).toBeLessThan(1e-8);
        expect(Math.abs(polar.derivativeProduct - closed.derivativeProduct)).toBeLessThan(1e-4);
      }
    }
  });

  it('one hidden ReLU layer: the analytic NTK equals Σ¹·Σ̇² + Σ² with quadrature expectations', () => {
    const spec = {
      inputDim: 2,
      hiddenWidths: [10],
      activation: { name: 'relu' as const },
      weightStd: 1.3,
      biasStd: 0.4,
      parameterisation: 'ntk' as const,
      outputDim: 1,
    };
    const x = [
      [1, 0.2],
      [-0.5, 0.7],
    ];
    const { ntk, nngp } = analyticKernels(spec, x).train;
    const sigma1 = (p: number[], q: number[]) => (1.69 * (p[0]! * q[0]! + p[1]! * q[1]!)) / 2 + 0.16;
    const [p, q] = x as [number[], number[]];
    const e = polarExpectations(0, sigma1(p, p), sigma1(q, q), sigma1(p, q));
    const sigma2 = 1.69 * e.valueProduct + 0.16;
    expect(nngp.matrix.get(0, 1)).toBeCloseTo(sigma2, 8);
    expect(ntk.matrix.get(0, 1)).toBeCloseTo(sigma1(p, q) * 1.69 * e.derivativeProduct + sigma2, 4);
  });
});

/**
 * E[φ(u)φ(v)], E[φ′(u)φ′(v)] for φ(x) = max(x, slope·x) in polar coordinates z = r(cos ψ, sin ψ):
 * φ is positively homogeneous, so the radial integrals are exact (∫r³e^{−r²/2} = 2, ∫r e^{−r²/2} = 1)
 * and only a 1-D angular midpoint rule remains (kinks cost O(h²) and O(h)).
 */
function polarExpectations(slope: number, a: number, b: number, c: number) {
  const { value, derivative } = scalarActivation({ name: 'leaky_relu', slope });
  const sa = Math.sqrt(a);
  const along = c / sa;
  const across = Math.sqrt(Math.max(b - along * along, 0));
  const steps = 200_000;
  let valueSum = 0;
  let derivativeSum = 0;
  for (let s = 0; s < steps; s++) {
    const psi = ((s + 0.5) * 2 * Math.PI) / steps;
    const u = sa * Math.cos(psi);
    const v = along * Math.cos(psi) + across * Math.sin(psi);
    valueSum += value(u) * value(v);
    derivativeSum += derivative(u) * derivative(v);
  }
  return { valueProduct: (2 * valueSum) / steps, derivativeProduct: derivativeSum / steps };
}
