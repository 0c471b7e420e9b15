import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, activationBackward, scalarActivation, type Activation } from './activations.js';
import { initTensorflow } from './tfjs-backend.js';

const ACTIVATIONS: Activation[] = ACTIVATION_NAMES.flatMap((name): Activation[] =>
  name === 'leaky_relu' ? [{ name, slope: 0.1 }, { name, slope: -1 }] : [{ name }],
);

// −4.05 … 4.05 in steps of 0.1: both sides of every kink and saturation, never exactly 0.
const POINTS = Array.from({ length: 82 }, (_, i) => -4.05 + 0.1 * i);

beforeAll(async () => {
  await initTensorflow();
});

describe('activationBackward', () => {
  it.each([['tanh'], ['sigmoid']] as const)('keeps φ′ where φ rounds to ±1 in float32: %s', (name) => {
    const far = [-40, -20, -12, 12, 20, 40];
    const activation = { name } as Activation;
    const got = tf.tidy(() => {
      const z = tf.tensor1d(far);
      return activationBackward(activation, z, tf.onesLike(z)).dataSync();
    });
    const { derivative } = scalarActivation(activation);
    far.forEach((x, i) => {
      expect(got[i]!).toBeGreaterThan(0);
      expect(Math.abs(got[i]! / derivative(x) - 1)).toBeLessThan(1e-5);
    });
  });

  it.each(ACTIVATIONS.map((a) => [a.name === 'leaky_relu' ? `leaky_relu ${a.slope}` : a.name, a] as const))(
    'is upstream ⊙ φ′(z), φ′ the float64 derivative: %s',
    (_, activation) => {
      const upstream = POINTS.map((_, i) => 1 + 0.5 * Math.sin(i));
      const got = tf.tidy(() => {
        const z = tf.tensor1d(POINTS);
        return activationBackward(activation, z, tf.tensor1d(upstream)).dataSync();
      });
      const { derivative } = scalarActivation(activation);
      POINTS.forEach((x, i) => {
        const want = upstream[i]! * derivative(x);
        expect(Math.abs(got[i]! - want)).toBeLessThan(1e-6 * (1 + Math.abs(want)));
      });
    },
  );
});
