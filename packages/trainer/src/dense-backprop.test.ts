import * as tf from '@tensorflow/tfjs';
import { Matrix64, normalGenerator } from '@duality/linalg-core';
import {
  ACTIVATION_NAMES,
  buildNetwork,
  initTensorflow,
  PARAMETERISATIONS,
  type Activation,
  type DenseNetwork,
  type InitialOutput,
  type MlpSpec,
} from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseLossGradients } from './dense-backprop.js';
import { GradientDescent, LossProbe } from './gradient-descent.js';

// A learning rate at which every case's loss falls: a diverging run would amplify float32 rounding past any tolerance.
const [N, INPUT_DIM, LEARNING_RATE, STEPS] = [11, 3, 0.02, 5];

// Every activation; leaky ReLU at a small slope and at −1 (|x|).
const ACTIVATIONS: Activation[] = ACTIVATION_NAMES.flatMap((name): Activation[] =>
  name === 'leaky_relu' ? [{ name, slope: 0.1 }, { name, slope: -1 }] : [{ name }],
);

interface Case {
  activation: Activation;
  parameterisation: MlpSpec['parameterisation'];
  useBias: boolean;
  outputDim: number;
  initialOutput: InitialOutput;
}

const CASES: Case[] = ACTIVATIONS.flatMap((activation) =>
  PARAMETERISATIONS.flatMap((parameterisation) =>
    [true, false].flatMap((useBias) =>
      [1, 3].flatMap((outputDim) =>
        (['zero', 'keep'] as const).map((initialOutput) => ({ activation, parameterisation, useBias, outputDim, initialOutput })),
      ),
    ),
  ),
);

const label = (c: Case) =>
  `${c.activation.name}${c.activation.name === 'leaky_relu' ? ` ${c.activation.slope}` : ''}, ${c.parameterisation}, ` +
  `${c.useBias ? 'bias' : 'no bias'}, ${c.outputDim} output(s), ${c.initialOutput}`;

function network(c: Case, hiddenWidths = [6, 5]): DenseNetwork {
  const spec: MlpSpec = { inputDim: INPUT_DIM, hiddenWidths, activation: c.activation, weightStd: 1.3, biasStd: 0.4,
    parameterisation: c.parameterisation, outputDim: c.outputDim, useBias: c.useBias };
  return buildNetwork(spec, { seed: 7, initialOutput: c.initialOutput });
}

function data(outputDim: number): { x: Matrix64; y: Matrix64 } {
  const g = normalGenerator(3);
  const x = new Matrix64(N, INPUT_DIM, Float64Array.from({ length: N * INPUT_DIM }, g));
  const y = new Matrix64(N, outputDim, Float64Array.from({ length: N * outputDim }, g));
  return { x, y };
}

const tensorOf = (m: Matrix64) => tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);

/** The loss the tape differentiates, as the old GradientDescent.step wrote it. */
const halfMeanSquaredError = (f: tf.Tensor, targets: tf.Tensor) =>
  tf.div(tf.sum(tf.squaredDifference(f, targets)), 2 * f.shape[0]!) as tf.Scalar;

/** The MLP's targets: y, plus g_θ0(X) for a centred network. */
const mlpTargets = (net: DenseNetwork, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D => {
  const g0 = net.initialOutputs(x);
  return g0 ? tf.add(y, g0) : y;
};

/** ‖a − b‖ / ‖b‖ over all the tensors as one vector (host read: test only). A single tensor's own relative gap can
 * be large where its entries cancel (an output bias's gradient is a sum of residuals), so the norm is the whole one. */
function relativeGap(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(a.map((t) => t.shape)).toEqual(b.map((t) => t.shape));
  return tf.tidy(() => {
    const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((t) => t.flatten()));
    return tf.div(tf.norm(tf.sub(flat(a), flat(b))), tf.norm(flat(b))).dataSync()[0]!;
  });
}

/** `STEPS` steps of the old implementation: tf.train.sgd's minimize through the gradient tape. */
function tapeDescent(net: DenseNetwork, x: tf.Tensor2D, y: tf.Tensor2D): tf.Variable[] {
  const variables = net.parameters().map((p) => tf.variable(p.clone()));
  const optimizer = tf.train.sgd(LEARNING_RATE);
  const targets = tf.tidy(() => mlpTargets(net, x, y));
  for (let s = 0; s < STEPS; s++) {
    tf.tidy(() => {
      optimizer.minimize(() => halfMeanSquaredError(net.mlpForward(variables, x), targets), false, variables);
    });
  }
  tf.dispose([targets]);
  optimizer.dispose();
  return variables;
}

beforeAll(async () => {
  await initTensorflow();
});

describe('denseLossGradients (hand-written backpropagation)', () => {
  /** ‖hand − tape‖/‖tape‖ for the gradients of the case's loss, tape = tf.grads. */
  function gapToTape(c: Case, hiddenWidths?: number[]): number {
    const net = network(c, hiddenWidths);
    const { x, y } = data(c.outputDim);
    const [xt, yt] = [tensorOf(x), tensorOf(y)];
    const parameters = net.parameters();
    const [hand, tape] = tf.tidy(() => {
      const targets = mlpTargets(net, xt, yt);
      const loss = (...params: tf.Tensor[]) => halfMeanSquaredError(net.mlpForward(params, xt), targets);
      return [denseLossGradients(net, parameters, xt, targets), tf.grads(loss)(parameters)];
    });
    const gap = relativeGap(hand, tape);
    tf.dispose([...hand, ...tape, xt, yt]);
    net.dispose();
    return gap;
  }

  it.each(CASES.map((c) => [label(c), c] as const))('equals tf.grads of the loss: %s', (_, c) => {
    expect(gapToTape(c)).toBeLessThan(1e-5);
  });

  it('equals tf.grads for a linear model (no hidden layer)', () => {
    expect(gapToTape({ ...CASES[0]!, outputDim: 3 }, [])).toBeLessThan(1e-5);
  });

  it('scales every gradient by `scale`', () => {
    const net = network(CASES[0]!);
    const { x, y } = data(1);
    const [xt, yt] = [tensorOf(x), tensorOf(y)];
    const [plain, scaled] = tf.tidy(() => [
      denseLossGradients(net, net.parameters(), xt, yt),
      denseLossGradients(net, net.parameters(), xt, yt, -0.25).map((g) => tf.div(g, -0.25)),
    ]);
    expect(relativeGap(scaled, plain)).toBeLessThan(1e-6);
    tf.dispose([...plain, ...scaled, xt, yt]);
    net.dispose();
  });
});

describe('GradientDescent.step', () => {
  it.each(CASES.map((c) => [label(c), c] as const))(`takes the tape's ${STEPS} steps: %s`, (_, c) => {
    const net = network(c);
    const { x, y } = data(c.outputDim);
    const [xt, yt] = [tensorOf(x), tensorOf(y)];
    const reference = tapeDescent(net, xt, yt);
    const descent = new GradientDescent(net, x, y, LEARNING_RATE);
    const probe = new LossProbe(x, y);
    const start = probe.loss(descent.forward);
    descent.step(STEPS);
    expect(probe.loss(descent.forward)).toBeLessThan(start);
    const trained = descent.snapshot();
    expect(descent.steps).toBe(STEPS);
    expect(relativeGap(trained.parameters(), reference)).toBeLessThan(1e-5);
    // The start is untouched and the outputs are the network's (g − g_θ0 when centred).
    expect(relativeGap(trained.parameters(), net.parameters())).toBeGreaterThan(1e-4);
    const [own, viaForward] = tf.tidy(() => [trained.predict(xt), descent.forward(xt)]);
    expect(relativeGap([viaForward], [own])).toBeLessThan(1e-6);
    tf.dispose([...reference, own, viaForward, xt, yt]);
    trained.dispose();
    probe.dispose();
    descent.dispose();
    net.dispose();
  });
});
