import * as tf from '@tensorflow/tfjs';
import { erf, normalCdf, normalPdf } from './special.js';

export type ActivationName = 'relu' | 'leaky_relu' | 'erf' | 'tanh' | 'gelu' | 'sigmoid' | 'identity';

/** An activation; `slope` is leaky ReLU's slope for x < 0 (−1 gives |x|, 0 gives ReLU, 1 the identity). */
export type Activation =
  | { name: Exclude<ActivationName, 'leaky_relu'> }
  | { name: 'leaky_relu'; slope: number };

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'relu',
  'leaky_relu',
  'erf',
  'tanh',
  'gelu',
  'sigmoid',
  'identity',
];

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** φ and φ′ in float64, for quadrature. */
export function scalarActivation(activation: Activation): { value(x: number): number; derivative(x: number): number } {
  switch (activation.name) {
    case 'relu':
      return { value: (x) => (x > 0 ? x : 0), derivative: (x) => (x > 0 ? 1 : 0) };
    case 'leaky_relu': {
      const slope = activation.slope;
      return { value: (x) => (x > 0 ? x : slope * x), derivative: (x) => (x > 0 ? 1 : slope) };
    }
    case 'erf':
      return { value: erf, derivative: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x) };
    case 'tanh':
      return {
        value: Math.tanh,
        derivative: (x) => {
          const c = Math.cosh(x);
          return 1 / (c * c);
        },
      };
    case 'gelu':
      return { value: (x) => x * normalCdf(x), derivative: (x) => normalCdf(x) + x * normalPdf(x) };
    case 'sigmoid':
      return {
        value: (x) => 1 / (1 + Math.exp(-x)),
        // σ' = e^{−|x|}/(1 + e^{−|x|})²: s·(1 − s) underflows to 0 once s rounds to 1 (|x| > 37).
        derivative: (x) => {
          const e = Math.exp(-Math.abs(x));
          return e / ((1 + e) * (1 + e));
        },
      };
    case 'identity':
      return { value: (x) => x, derivative: () => 1 };
  }
}

/** φ applied to a TF.js tensor (float32), matching `scalarActivation` and the TF.js layer activations. */
export function applyActivation(activation: Activation, z: tf.Tensor): tf.Tensor {
  switch (activation.name) {
    case 'relu':
      return tf.relu(z);
    case 'leaky_relu':
      // slope·z + (1 − slope)·relu(z): any slope, including |x| (slope −1).
      return tf.add(tf.mul(activation.slope, z), tf.mul(1 - activation.slope, tf.relu(z)));
    case 'erf':
      return tf.erf(z);
    case 'tanh':
      return tf.tanh(z);
    case 'gelu':
      // Exact GELU, as TF.js's 'gelu' activation: z·Φ(z).
      return tf.mul(z, tf.mul(0.5, tf.add(1, tf.erf(tf.div(z, Math.SQRT2)))));
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'identity':
      return z;
  }
}

/**
 * ∂L/∂z = ∂L/∂a ⊙ φ′(z) for a = φ(z), from z alone, in float32: the closed-form derivatives of `scalarActivation`, for
 * hand-written backpropagation through `applyActivation`. tanh and sigmoid use e^{−|z|} forms rather than the
 * output: 1 − a² and a(1 − a) are 0 in float32 once a rounds to ±1 (|z| ≳ 9 and 17), while φ′ is representable.
 */
export function activationBackward(activation: Activation, z: tf.Tensor, upstream: tf.Tensor): tf.Tensor {
  switch (activation.name) {
    case 'relu':
      return tf.mul(upstream, tf.step(z));
    case 'leaky_relu':
      return tf.mul(upstream, tf.step(z, activation.slope));
    case 'erf':
      return tf.mul(upstream, tf.mul(TWO_OVER_SQRT_PI, tf.exp(tf.neg(tf.square(z)))));
    case 'tanh':
      return tf.mul(upstream, tf.mul(4, logisticDensity(tf.mul(2, z))));
    case 'gelu': {
      // Φ(z) + z·φ(z), with φ(z) = e^{−z²/2}/√(2π).
      const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.div(z, Math.SQRT2))));
      const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(z))));
      return tf.mul(upstream, tf.add(cdf, tf.mul(z, pdf)));
    }
    case 'sigmoid':
      return tf.mul(upstream, logisticDensity(z));
    case 'identity':
      return upstream;
  }
}

/** σ′(x) = e^{−|x|}/(1 + e^{−|x|})²: no underflow where σ(x) rounds to 0 or 1 (tanh′(z) = 4σ′(2z)). */
function logisticDensity(x: tf.Tensor): tf.Tensor {
  const e = tf.exp(tf.neg(tf.abs(x)));
  return tf.div(e, tf.square(tf.add(1, e)));
}
