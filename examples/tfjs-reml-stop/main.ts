// A TF.js model trained with model.fit, stopped at the REML step count. The two-stage decision is taken at the
// model's own initial weights (readSequential: no copy) before training starts.
//
// Units: Duality's loss is (1/2n)‖f − y‖², TF.js's 'meanSquaredError' is (1/nk)‖f − y‖² for k outputs — twice ours
// per output — so one full-batch SGD step at TF.js rate η advances the kernel model's time t by 2η/k.
import * as tf from '@tensorflow/tfjs';
import { normalGenerator } from '@duality/linalg-core';
import { initTensorflow } from '@duality/ntk';
import { RemlStoppingCallback } from '@duality/trainer';

await initTensorflow(); // tfjs-node if it loads, else wasm, else cpu

const n = 80;
const gaussian = normalGenerator(5);
const x = Array.from({ length: n }, () => [gaussian(), gaussian()]);
const y = x.map(([a = 0, b = 0]) => [Math.sin(2 * a) + 0.5 * b + 0.3 * gaussian()]);

const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [2], units: 256, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
    tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
  ],
});

// The callback takes the two-stage decision at the start of fit, from the model's own initial weights, and stops
// fit after round(t̂/η) full-batch steps (or restores the initial weights when training is not warranted).
const tfLearningRate = 0.002;
const callback = new RemlStoppingCallback(x, y, {
  learningRate: tfLearningRate,
  onDecision: ({ decision }, stopAt) =>
    console.log(`score test p = ${decision.test.p.toExponential(2)}, REML ${decision.reml.outcome}, t̂ = ${decision.reml.time.toFixed(3)}: stop after ${stopAt} steps`),
});
model.compile({ optimizer: tf.train.sgd(tfLearningRate), loss: 'meanSquaredError' });

const xs = tf.tensor2d(x);
const ys = tf.tensor2d(y);
const before = (model.evaluate(xs, ys) as tf.Scalar).dataSync()[0]!;
await model.fit(xs, ys, { epochs: 5000, batchSize: n, shuffle: false, verbose: 0, callbacks: [callback] });
const after = (model.evaluate(xs, ys) as tf.Scalar).dataSync()[0]!;
console.log(`trained ${callback.stepsTaken} steps; training MSE ${before.toFixed(3)} -> ${after.toFixed(3)}`);
xs.dispose();
ys.dispose();
model.dispose();
