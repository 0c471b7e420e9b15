import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '@duality/ntk';
import { LinearDynamicsInputError } from './errors.js';
import { cutAtDivergence } from './divergence.js';
import { checkSimulationOptions, drawProblem, sampleBatch, type Batch, type SimulationOptions, type SimulationResult } from './simulate.js';

/**
 * The deep linear network of spec §1.2 as an ordinary TF.js model in float32: explicit scales in the forward pass,
 * the loss (1/2P)Σ(y − f)², gradients by TF.js autodiff, and plain GD with the raw learning rate η = η₀γ₀²N.
 * It starts from exactly the weights, target and data that `simulateNetwork` draws from the same seed (for
 * one-pass SGD it draws the same fresh batches in the same order), so the two must give the same losses step for
 * step up to float32 rounding. Residual networks are supported (the trainer package's MLPs have no residual
 * branches, so this trains with TF.js directly).
 */
export async function trainTfjsNetwork(options: SimulationOptions): Promise<SimulationResult> {
  checkSimulationOptions(options);
  if (options.sampling.kind === 'population') {
    throw new LinearDynamicsInputError(
      "trainTfjsNetwork trains on samples: use sampling 'repeated' or 'online' (the population gradient is simulateNetwork's)",
    );
  }
  await initTensorflow();
  const problem = drawProblem(options);
  const { data, sampling, network: net, inputDim: D, steps } = options;
  const { normal, eigenvalues, target, width: N, samples: P } = problem;
  const residual = net.residual !== undefined;
  const hiddenScale = (residual ? net.residual!.branchScale : 1) / Math.sqrt(N);
  const outputScale = Math.sqrt(D) / (net.richness * N);
  const rawLearningRate = net.learningRate * net.richness ** 2 * N;

  // tf.variable(t) leaves t alive beside the variable: each tidy releases the tensor its variable was made from.
  const variable = (values: ArrayLike<number>, rows: number, cols: number) =>
    tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from(values), [rows, cols])));
  const inputWeights = variable(problem.inputWeights, N, D);
  const hiddenWeights = problem.hiddenWeights.map((W) => variable(W, N, N));
  const readout = variable(problem.readout, N, 1);
  const weights = [inputWeights, ...hiddenWeights, readout];
  const eigen = tf.tensor1d(Float32Array.from(eigenvalues));
  const targetVector = tf.tensor1d(Float32Array.from(target));

  /** f(X) for rows X (P×D): h¹ = XW⁰ᵀ/√D, then the hidden (or residual) layers, then the scaled read-out. */
  const forward = (inputs: tf.Tensor2D): tf.Tensor2D => {
    let h = tf.matMul(inputs, inputWeights, false, true).mul(1 / Math.sqrt(D)) as tf.Tensor2D;
    for (const W of hiddenWeights) {
      const branch = tf.matMul(h, W, false, true).mul(hiddenScale) as tf.Tensor2D;
      h = residual ? h.add(branch) : branch;
    }
    return tf.matMul(h, readout).mul(outputScale) as tf.Tensor2D;
  };

  const testLoss = new Float64Array(steps);
  const trainLoss = new Float64Array(steps);
  const fixed = problem.batch === undefined ? undefined : toTensors(problem.batch, P, D);
  try {
    for (let t = 0; t < steps; t++) {
      // β = √D·f(e_k) for the unit vectors e_k: the network's linear map, read off by a forward pass of I_D
      testLoss[t] = tf.tidy(() => {
        const beta = forward(tf.eye(D) as tf.Tensor2D).reshape([D]).mul(Math.sqrt(D));
        const error = targetVector.sub(beta);
        return eigen.mul(error.square()).sum().dataSync()[0]! / D;
      }) + data.noise ** 2;
      // One tidy per step releases a fresh batch's tensors, the loss and the gradients, even if the step throws.
      trainLoss[t] = tf.tidy(() => {
        const batch =
          sampling.kind === 'online' ? toTensors(sampleBatch(normal, P, eigenvalues, target, data.noise), P, D) : fixed!;
        const { value, grads } = tf.variableGrads(() => {
          const residualVector = batch.targets.sub(forward(batch.inputs));
          return residualVector.square().sum().mul(1 / (2 * P)) as tf.Scalar;
        }, weights);
        for (const W of weights) W.assign(W.sub(grads[W.name]!.mul(rawLearningRate)));
        return 2 * value.dataSync()[0]!;
      });
    }
  } finally {
    tf.dispose([...weights, eigen, targetVector]);
    if (fixed) tf.dispose([fixed.inputs, fixed.targets]);
  }
  return cutAtDivergence({ testLoss, trainLoss });
}

function toTensors(batch: Batch, P: number, D: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  return { inputs: tf.tensor2d(Float32Array.from(batch.inputs), [P, D]), targets: tf.tensor2d(Float32Array.from(batch.targets), [P, 1]) };
}
