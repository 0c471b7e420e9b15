import * as tf from '@tensorflow/tfjs';
import type { Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork, DenseParameters } from '@duality/ntk';
import { denseLossGradients } from './dense-backprop.js';
import type { BatchSampler, StepCost } from './minibatch.js';
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
 * Gradient descent on L(θ) = (1/2n)‖f_θ(X) − y‖² from a network's current weights: full batch, or mini-batch SGD
 * after `trainOnBatches` (each step's loss is the batch's, (1/2B)‖f − y‖² over its B rows). Training works on its
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
  private batches: BatchSampler | undefined;

  constructor(
    private readonly network: DenseNetwork,
    x: Matrix64,
    y: Matrix64,
    readonly learningRate: number,
  ) {
    checkedTrainingData(network, x, y, learningRate);
    // tf.variable(t) leaves t alive beside the variable: the tidy releases the copy it was made from.
    this.variables = network.parameters().map((p) => tf.tidy(() => tf.variable(p.clone(), true)));
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

  /**
   * The loss on every training row at the current weights, from the run's own tensors: g's loss against y + g_θ0(X)
   * is f's against y (math.md §0.1), so no second copy of X is needed to measure it (0.47 GB at 40,000 × 2,923).
   */
  trainingLoss(): number {
    const value = tf.tidy(() => halfMeanSquaredError(this.network.mlpForward(this.variables, this.x), this.mlpTargets));
    const out = value.dataSync()[0]!;
    value.dispose();
    return out;
  }

  /** Outputs at the current weights (inside the caller's tidy). */
  readonly forward = (x: tf.Tensor2D): tf.Tensor2D => this.network.forwardWith(this.variables, x);

  /**
   * Train on batches of rows from now on (math.md §7.2: time still advances by η per step). Only before the first
   * step, so that a run is one kind or the other.
   */
  trainOnBatches(batches: BatchSampler): void {
    if (this.stepsTaken > 0) throw new TrainerInputError('choose the batches before the first step');
    this.batches = batches;
  }

  /** The rows a step uses, with their targets (inside the caller's tidy): all of them, or the sampler's next batch. */
  private stepRows(indices?: Int32Array): [tf.Tensor2D, tf.Tensor2D] {
    if (!indices) return [this.x, this.mlpTargets];
    const rows = tf.tensor1d(indices, 'int32');
    return [tf.gather(this.x, rows), tf.gather(this.mlpTargets, rows)];
  }

  /** `count` more steps. */
  step(count = 1): void {
    if (!(Number.isInteger(count) && count >= 0)) throw new TrainerInputError(`step count must be a non-negative integer, got ${count}`);
    for (let s = 0; s < count; s++) {
      tf.tidy(() => {
        const [x, targets] = this.stepRows(this.batches?.nextBatch());
        const updates = denseLossGradients(this.network, this.variables, x, targets, -this.learningRate);
        this.variables.forEach((variable, i) => variable.assign(tf.add(variable, updates[i]!)));
      });
    }
    this.stepsTaken += count;
  }

  /** Seconds of one step's work on the first `rows` rows (best of two after a warm-up); the weights do not change. */
  private stepSeconds(rows: number): number {
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    const once = () => {
      const started = performance.now();
      tf.tidy(() => {
        const [x, targets] = this.stepRows(rows === this.x.shape[0] ? undefined : indices);
        denseLossGradients(this.network, this.variables, x, targets, -this.learningRate)[0]!.dataSync();
      });
      return (performance.now() - started) / 1000;
    };
    once();
    return Math.min(once(), once());
  }

  /**
   * A step's cost as fixed + perRow·rows, timed at 256 and 2,048 rows (what the 'auto' batch rule extrapolates); with
   * fewer than 512 rows, one timing of them all, taken as per-row.
   */
  stepCost(): StepCost {
    const n = this.x.shape[0];
    const [small, large] = [256, Math.min(n, 2048)];
    if (large < 2 * small) return { fixed: 0, perRow: this.stepSeconds(n) / n };
    const tSmall = this.stepSeconds(small);
    const perRow = Math.max((this.stepSeconds(large) - tSmall) / (large - small), 0);
    return { fixed: Math.max(tSmall - perRow * small, 0), perRow };
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
