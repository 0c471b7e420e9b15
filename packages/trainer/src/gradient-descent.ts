import * as tf from '@tensorflow/tfjs';
import type { Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork, DenseParameters } from '@duality/ntk';
import { denseLossGradients } from './dense-backprop.js';
import { TrainerInputError } from './time.js';

function tensorOf(m: Matrix64): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols], 'float32');
}

/** (1/2n)·‖f − y‖²_F: the loss of math.md §0 (half the mean squared error, summed over outputs). */
function halfMeanSquaredError(f: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.div(tf.sum(tf.squaredDifference(f, y)), 2 * f.shape[0]) as tf.Scalar;
}

/** An evaluation set kept as tensors (built once, used at every recorded step). */
export class LossProbe {
  private readonly x: tf.Tensor2D;
  private readonly y: tf.Tensor2D;

  constructor(x: Matrix64, y: Matrix64) {
    if (x.rows !== y.rows) throw new TrainerInputError(`the probe's x has ${x.rows} rows but its y ${y.rows}; they must match`);
    this.x = tensorOf(x);
    this.y = tensorOf(y);
  }

  /** The loss of a forward function (a run's current weights, or a network's) on this set. */
  loss(forward: (x: tf.Tensor2D) => tf.Tensor2D): number {
    const value = tf.tidy(() => halfMeanSquaredError(forward(this.x), this.y));
    const out = value.dataSync()[0]!;
    value.dispose();
    return out;
  }

  dispose(): void {
    tf.dispose([this.x, this.y]);
  }
}

/** Inputs the network can take, finite targets of its output count, and a usable learning rate. */
function checkedTrainingData(network: DenseNetwork, x: Matrix64, y: Matrix64, learningRate: number): void {
  if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new TrainerInputError(`learning rate must be a positive finite number, got ${learningRate}`);
  if (x.cols !== network.inputDim) throw new TrainerInputError(`x has ${x.cols} columns but the network takes ${network.inputDim} inputs`);
  if (y.rows !== x.rows || y.cols !== network.outputDim) {
    throw new TrainerInputError(`y is ${y.rows}×${y.cols} but x has ${x.rows} rows and the network ${network.outputDim} outputs`);
  }
  const bad = y.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new TrainerInputError(`y[${Math.floor(bad / y.cols)}] is ${y.data[bad]}; targets must be finite`);
}

/**
 * Full-batch gradient descent on L(θ) = (1/2n)‖f_θ(X) − y‖² from a network's current weights. Training works on its
 * own copies of the parameters (tf.Variables), so the starting network is never modified: each step advances the
 * continuous training time of math.md §0 by exactly the learning rate. For a centred network f = g − g_θ0 the step
 * is g's with targets y + g_θ0(X), computed once (math.md §0.1): no second forward pass per step. Gradients come
 * from hand-written backpropagation (`denseLossGradients`), which saves the gradient tape's bookkeeping: the same
 * update θ ← θ − η∇L as `tf.train.sgd(η).minimize`, to float32 rounding.
 */
export class GradientDescent {
  private readonly variables: tf.Variable[];
  private readonly x: tf.Tensor2D;
  /** The targets of the MLP g: y, plus g_θ0(X) for a centred network. */
  private readonly mlpTargets: tf.Tensor2D;
  private stepsTaken = 0;

  constructor(
    private readonly network: DenseNetwork,
    x: Matrix64,
    y: Matrix64,
    readonly learningRate: number,
  ) {
    checkedTrainingData(network, x, y, learningRate);
    this.variables = network.parameters().map((p) => tf.variable(p.clone(), true));
    this.x = tensorOf(x);
    this.mlpTargets = tf.tidy(() => {
      const targets = tensorOf(y);
      const g0 = network.initialOutputs(this.x);
      return g0 ? tf.add(targets, g0) : targets;
    });
  }

  get steps(): number {
    return this.stepsTaken;
  }

  /** Outputs at the current weights (inside the caller's tidy). */
  readonly forward = (x: tf.Tensor2D): tf.Tensor2D => this.network.forwardWith(this.variables, x);

  /** `count` more steps. */
  step(count = 1): void {
    if (!(Number.isInteger(count) && count >= 0)) throw new TrainerInputError(`step count must be a non-negative integer, got ${count}`);
    for (let s = 0; s < count; s++) {
      tf.tidy(() => {
        const updates = denseLossGradients(this.network, this.variables, this.x, this.mlpTargets, -this.learningRate);
        this.variables.forEach((variable, i) => variable.assign(tf.add(variable, updates[i]!)));
      });
    }
    this.stepsTaken += count;
  }

  /** A snapshot of the current weights as a network of its own (the caller disposes it). */
  snapshot(): DenseNetwork {
    let next = 0;
    const layers = this.network.layers.map((layer): DenseParameters => {
      const kernel = this.variables[next++]!.clone() as tf.Tensor2D;
      const bias = layer.bias ? (this.variables[next++]!.clone() as tf.Tensor1D) : null;
      return { kernel, bias };
    });
    return this.network.withLayers(layers);
  }

  dispose(): void {
    tf.dispose([...this.variables, this.x, this.mlpTargets]);
  }
}
