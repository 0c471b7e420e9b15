import * as tf from '@tensorflow/tfjs';
import { activationBackward, applyActivation, type DenseNetwork } from '@duality/ntk';

/** What the backward pass needs of one layer: its input a_{l−1}, pre-activation z_l and output a_l = φ(z_l). */
interface LayerRecord {
  input: tf.Tensor2D;
  preActivation: tf.Tensor2D;
  output: tf.Tensor2D;
  /** s_w·W_l: the kernel as the layer applies it, shared by the forward and the backward product. */
  scaledKernel: tf.Tensor2D;
}

/** The MLP g's forward pass, z_l = (a_{l−1})(s_w·W_l) + s_b·b_l, recording every layer (parameters as `mlpForward`). */
function recordedForward(network: DenseNetwork, parameters: tf.Tensor[], x: tf.Tensor2D): LayerRecord[] {
  const records: LayerRecord[] = [];
  let input = x;
  let next = 0;
  network.plans.forEach((plan, l) => {
    // Scaling the weight-sized kernel and bias is cheaper than scaling the n × fanOut product.
    const scaledKernel = tf.mul(parameters[next++]!, plan.weightScale) as tf.Tensor2D;
    const bias = network.layers[l]!.bias ? tf.mul(parameters[next++]!, plan.biasScale) : undefined;
    const preActivation = tf.fused.matMul({ a: input, b: scaledKernel, bias }) as tf.Tensor2D;
    const output = applyActivation(plan.activation, preActivation) as tf.Tensor2D;
    records.push({ input, preActivation, output, scaledKernel });
    input = output;
  });
  return records;
}

/**
 * `scale`·∇L for L(θ) = (1/2n)‖g_θ(X) − targets‖², g the network's MLP (the centred network's g_θ0 lives in the
 * targets), by hand-written backpropagation instead of TF.js's gradient tape. With δ_l = ∂L/∂z_l:
 * ∂L/∂W_l = s_w·a_{l−1}ᵀδ_l, ∂L/∂b_l = s_b·Σ_rows δ_l, δ_{l−1} = φ′(z_{l−1}) ⊙ δ_l(s_w·W_l)ᵀ, δ_L = φ′(z_L) ⊙ (g − targets)/n.
 * `scale` (−η for a descent step) rides on the n × outputDim residual, so a step costs no extra pass over the
 * weights. Gradients come in the order of `parameters` (kernel, then bias when present); call inside a tidy.
 */
export function denseLossGradients(
  network: DenseNetwork,
  parameters: tf.Tensor[],
  x: tf.Tensor2D,
  targets: tf.Tensor2D,
  scale = 1,
): tf.Tensor[] {
  const records = recordedForward(network, parameters, x);
  const plans = network.plans;
  const last = records[records.length - 1]!;
  const residual = tf.mul(tf.sub(last.output, targets), scale / x.shape[0]);
  let delta = activationBackward(plans[plans.length - 1]!.activation, last.preActivation, residual) as tf.Tensor2D;
  const gradients: tf.Tensor[][] = [];
  for (let l = records.length - 1; l >= 0; l--) {
    const { weightScale, biasScale } = plans[l]!;
    const record = records[l]!;
    const kernelGradient = tf.mul(tf.matMul(record.input, delta, true, false), weightScale);
    gradients[l] = network.layers[l]!.bias ? [kernelGradient, tf.mul(tf.sum(delta, 0), biasScale)] : [kernelGradient];
    if (l > 0) {
      const upstream = tf.matMul(delta, record.scaledKernel, false, true);
      const below = records[l - 1]!;
      delta = activationBackward(plans[l - 1]!.activation, below.preActivation, upstream) as tf.Tensor2D;
    }
  }
  return gradients.flat();
}
