import * as tf from '@tensorflow/tfjs';
import { Matrix64, type MatrixLike } from '@duality/linalg-core';
import { applyActivation } from './activations.js';
import { KernelInputError } from './errors.js';
import { assertFiniteResult, inputMatrix } from './inputs.js';
import { layerPlans, type LayerPlan, type MlpSpec, type Parameterisation } from './spec.js';

/** One dense layer's stored parameters (the tensors gradients are taken with respect to). */
export interface DenseParameters {
  /** fanIn × fanOut. */
  kernel: tf.Tensor2D;
  /** fanOut, or null without bias. */
  bias: tf.Tensor1D | null;
}

/**
 * How a network's output starts (math.md §0.1): 'zero' is the centred network f_θ = g_θ − g_θ0 (θ0 the initial
 * weights, frozen), whose output is exactly 0 at initialisation and whose NTK is the MLP g's; 'keep' is g itself.
 */
export const INITIAL_OUTPUTS = ['zero', 'keep'] as const;

/** Rows per forward pass of `DenseNetwork.outputs`: 2¹³ rows of a 256-wide layer are 8 MB of float32 activations. */
const OUTPUT_BLOCK_ROWS = 8192;
export type InitialOutput = (typeof INITIAL_OUTPUTS)[number];

/**
 * A dense MLP g run with TF.js ops and explicit parameterisation scales, so that one forward pass serves
 * every parameterisation: z_l = weightScale·(a_{l−1} W_l) + biasScale·b_l, a_l = φ(z_l).
 * Built from a spec (it owns its tensors) or read from a `tf.Sequential` (it borrows the layers'
 * variables, so kernels are taken at the model's current weights). A centred network also holds the frozen
 * initial weights θ0 (`origin`) and computes f_θ(x) = g_θ(x) − g_θ0(x).
 */
export class DenseNetwork {
  readonly plans: LayerPlan[];
  readonly layers: DenseParameters[];
  readonly parameterisation: Parameterisation;
  /** θ0 of a centred network (never trained, no gradient flows to it), or null for the plain MLP. */
  readonly origin: DenseParameters[] | null;
  private readonly ownsTensors: boolean;

  constructor(
    plans: LayerPlan[],
    layers: DenseParameters[],
    parameterisation: Parameterisation,
    ownsTensors: boolean,
    origin: DenseParameters[] | null = null,
  ) {
    this.plans = plans;
    this.layers = layers;
    this.parameterisation = parameterisation;
    this.ownsTensors = ownsTensors;
    this.origin = origin;
  }

  get inputDim(): number {
    return this.plans[0]!.fanIn;
  }

  get outputDim(): number {
    return this.plans[this.plans.length - 1]!.fanOut;
  }

  get initialOutput(): InitialOutput {
    return this.origin ? 'zero' : 'keep';
  }

  /** The stored parameters, flattened in layer order: kernel, then bias when present. */
  parameters(): tf.Tensor[] {
    return flatParameters(this.layers);
  }

  /**
   * The MLP g with the given parameters (same order as `parameters()`). `shifts[l]`, when given, is added to
   * layer l's pre-activation (zeros: their gradients are ∂g/∂z_l); `inputs`, when given, receives each layer's
   * input a_{l−1}, kept out of any enclosing tidy.
   */
  mlpForward(parameters: tf.Tensor[], x: tf.Tensor2D, shifts?: tf.Tensor[], inputs?: tf.Tensor2D[]): tf.Tensor2D {
    let a: tf.Tensor2D = x;
    let next = 0;
    this.plans.forEach((plan, l) => {
      if (inputs) inputs.push(tf.keep(a));
      const kernel = parameters[next++]!;
      let z = tf.mul(tf.matMul(a, kernel as tf.Tensor2D), plan.weightScale);
      if (this.layers[l]!.bias) z = tf.add(z, tf.mul(parameters[next++]!, plan.biasScale));
      const shift = shifts?.[l];
      if (shift) z = tf.add(z, shift);
      a = applyActivation(plan.activation, z) as tf.Tensor2D;
    });
    return a;
  }

  /** g_θ0(x): what a centred network subtracts (null when it is not centred). */
  initialOutputs(x: tf.Tensor2D): tf.Tensor2D | null {
    return this.origin ? this.mlpForward(flatParameters(this.origin), x) : null;
  }

  /**
   * The network's function f with the given parameters: g, minus g_θ0 when centred. Shifts and recorded inputs
   * are g's (the subtracted term is a constant of the parameters, so gradients and the NTK are g's).
   */
  forwardWith(parameters: tf.Tensor[], x: tf.Tensor2D, shifts?: tf.Tensor[], inputs?: tf.Tensor2D[]): tf.Tensor2D {
    const g = this.mlpForward(parameters, x, shifts, inputs);
    const g0 = this.initialOutputs(x);
    return g0 ? tf.sub(g, g0) : g;
  }

  /** Outputs for a float32 tensor of inputs. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forwardWith(this.parameters(), x));
  }

  /**
   * Outputs (n × outputDim) in float64 at the current weights: f0 when the weights are the initial ones. Blocks of
   * `OUTPUT_BLOCK_ROWS` rows go through at a time, so a backend's heap (wasm's never shrinks) holds one block's
   * activations, not n rows'.
   */
  outputs(x: MatrixLike): Matrix64 {
    const input = inputMatrix(x, this.inputDim, 'x');
    const values = new Float64Array(input.rows * this.outputDim);
    for (let from = 0; from < input.rows; from += OUTPUT_BLOCK_ROWS) {
      const to = Math.min(input.rows, from + OUTPUT_BLOCK_ROWS);
      const block = new Matrix64(to - from, input.cols, input.data.subarray(from * input.cols, to * input.cols));
      // The input block lives inside the tidy, so a failing forward pass leaves nothing behind.
      const result = tf.tidy(() => this.predict(float32Tensor(block)));
      values.set(result.dataSync(), from * this.outputDim);
      result.dispose();
    }
    assertFiniteResult(values, 'the network outputs');
    return new Matrix64(input.rows, this.outputDim, values);
  }

  /** The same network (plans, parameterisation, origin) with other weights, which it takes ownership of. */
  withLayers(layers: DenseParameters[]): DenseNetwork {
    return new DenseNetwork(this.plans, layers, this.parameterisation, true, this.origin ? cloneLayers(this.origin) : null);
  }

  /** Release the tensors this network created (a network read from a model leaves the model's alone). */
  dispose(): void {
    if (this.ownsTensors) tf.dispose([...this.parameters(), ...flatParameters(this.origin ?? [])]);
  }
}

function flatParameters(layers: DenseParameters[]): tf.Tensor[] {
  return layers.flatMap((p) => (p.bias ? [p.kernel, p.bias] : [p.kernel]));
}

function cloneLayers(layers: DenseParameters[]): DenseParameters[] {
  return layers.map((p) => ({ kernel: p.kernel.clone(), bias: p.bias ? p.bias.clone() : null }));
}

export function float32Tensor(m: Matrix64): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols], 'float32');
}

export interface BuildOptions {
  /** Seed of the initialisation (default 0): the same spec and seed give the same weights. */
  seed?: number;
  /** 'zero' (default): the centred network, output exactly 0 at initialisation; 'keep': the raw MLP (math.md §0.1). */
  initialOutput?: InitialOutput;
}

/**
 * A network drawn from the spec's initialisation (math.md §5). Stored parameters are N(0, 1) for
 * ntk and mup (the scales live in the forward pass) and N(0, σ²/N), N(0, σ_b²) for standard, as TF.js
 * Dense layers hold them. By default it is centred (math.md §0.1): f0 ≡ 0, the same NTK, and on training inputs
 * the same cost, since g_θ0(X) is a constant there.
 */
export function buildNetwork(spec: MlpSpec, options: BuildOptions = {}): DenseNetwork {
  const plans = layerPlans(spec);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new KernelInputError(`buildNetwork: seed must be an integer, got ${seed}; omit it for 0`);
  // Checked before any tensor is allocated, so a refusal leaks nothing.
  const initialOutput = options.initialOutput ?? 'zero';
  if (!INITIAL_OUTPUTS.includes(initialOutput)) {
    throw new KernelInputError(`buildNetwork: initialOutput must be ${INITIAL_OUTPUTS.join(' or ')}, got ${String(initialOutput)}`);
  }
  // TF.js treats a seed of 0 as "no seed" (Math.random), so every stream's seed is offset to stay ≥ 1.
  const streamSeed = (stream: number) => seed * 1009 + stream + 1;
  const layers = plans.map((plan, l): DenseParameters => {
    const kernel = tf.randomNormal<tf.Rank.R2>([plan.fanIn, plan.fanOut], 0, plan.weightInitStd, 'float32', streamSeed(2 * l));
    if (plan.biasScale === 0) return { kernel, bias: null };
    const bias =
      plan.biasInitStd > 0
        ? tf.randomNormal<tf.Rank.R1>([plan.fanOut], 0, plan.biasInitStd, 'float32', streamSeed(2 * l + 1))
        : tf.zeros<tf.Rank.R1>([plan.fanOut]);
    return { kernel, bias };
  });
  return new DenseNetwork(plans, layers, spec.parameterisation, true, initialOutput === 'zero' ? cloneLayers(layers) : null);
}
