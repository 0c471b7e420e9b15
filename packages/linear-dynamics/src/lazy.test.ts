import { describe, expect, it } from 'vitest';
import { lazyIsotropicLoss } from './lazy.js';

describe('lazyIsotropicLoss deep in training', () => {
  // Noiseless test loss at t = 399 is ∫_{λ>0}(1 − eλ)^{798} dμ for α ≥ 1 (e = 0.2); references by mpmath
  // quadrature at 40 digits. The form m_c − e∫S_{2t}λdμ gave 1.2e-7 relative error at α = 2 and 1e-16
  // (not 2.4e-21) at α = 4.
  it.each([
    [1, 0.044620531017378978118],
    [2, 2.4302645808506450785e-9],
    [4, 2.3585199095433523901e-21],
  ])('keeps full relative precision at t = 399 for α = %d', (alpha, want) => {
    const { testLoss } = lazyIsotropicLoss({ samplesPerDim: alpha, depth: 1, learningRate: 0.1, initVariance: 0, steps: 400 });
    expect(Math.abs(testLoss[399]! - want) / want).toBeLessThan(1e-13);
  });
});
