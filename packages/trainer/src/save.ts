import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DenseNetwork, DenseParameters } from '@duality/ntk';
import { TrainerInputError } from './time.js';

/**
 * How a centred network is saved: the model's name and the prefixes of its two branches' layer names (the trained
 * g_θ, and the frozen g_θ0 whose output layer is negated so that one Add layer finishes f). `loadNetwork` reads it back.
 */
export const CENTRED_MODEL = { name: 'duality_centred_network', trained: 'trained', initial: 'initial' } as const;

/** A layer's saved initialiser: the distribution its weights were drawn from, so a reader can take the analytic kernel. */
function initializer(std: number) {
  return std > 0 ? tf.initializers.randomNormal({ mean: 0, stddev: std }) : tf.initializers.zeros();
}

/** TF.js Dense activation names for ours; leaky ReLU becomes a LeakyReLU layer after a linear Dense. */
const KERAS_ACTIVATIONS: Record<string, string> = { relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', identity: 'linear', gelu: 'gelu' };

/** The Dense layers (and LeakyReLU layers) that compute one weight set's MLP, its scales folded into the weights. */
function denseLayers(network: DenseNetwork, weights: DenseParameters[], naming: { prefix: string; sign: 1 | -1; trainable: boolean }) {
  return network.plans.flatMap((plan, l) => {
    const layer = weights[l]!;
    const name = plan.activation.name;
    const keras = KERAS_ACTIVATIONS[name];
    if (!keras && name !== 'leaky_relu') {
      throw new TrainerInputError(`cannot save activation '${name}' as a TF.js Dense layer; use relu, leaky_relu, tanh, sigmoid, gelu or identity`);
    }
    // The sign goes into the output layer only: the frozen branch then computes −g_θ0 and one Add layer finishes f.
    const sign = l === network.plans.length - 1 ? naming.sign : 1;
    const dense = tf.layers.dense({
      units: plan.fanOut,
      useBias: layer.bias !== null,
      activation: (keras ?? 'linear') as 'linear',
      trainable: naming.trainable,
      // The folded weights' initial distributions: W' = s_w·W with W ~ N(0, initStd²).
      kernelInitializer: initializer(plan.weightInitStd * plan.weightScale),
      biasInitializer: initializer(plan.biasInitStd * plan.biasScale),
      name: `${naming.prefix}_dense_${l + 1}`,
      ...(l === 0 ? { inputShape: [plan.fanIn] } : {}),
    });
    const values = [tf.mul(layer.kernel, sign * plan.weightScale)];
    if (layer.bias) values.push(tf.mul(layer.bias, sign * plan.biasScale));
    const leaky = name === 'leaky_relu' ? [tf.layers.leakyReLU({ alpha: plan.activation.slope, name: `${naming.prefix}_leaky_relu_${l + 1}` })] : [];
    return [{ dense, values }, ...leaky.map((dense) => ({ dense, values: [] as tf.Tensor[] }))];
  });
}

type FoldedLayers = ReturnType<typeof denseLayers>;

/** Set the folded weights once the layers are built (TF.js creates a layer's weights when it is first applied). */
function setFoldedWeights(layers: FoldedLayers): void {
  for (const { dense, values } of layers) {
    if (values.length > 0) dense.setWeights(values);
    tf.dispose(values);
  }
}

/** Apply layers in sequence to a symbolic input and set their weights. */
function chain(input: tf.SymbolicTensor, layers: FoldedLayers): tf.SymbolicTensor {
  let out = input;
  for (const { dense } of layers) out = dense.apply(out) as tf.SymbolicTensor;
  setFoldedWeights(layers);
  return out;
}

/**
 * The network as a TF.js layers model computing the same function, loadable with plain `tf.loadLayersModel`: the
 * parameterisation's scales are folded into the weights (W' = s_w·W, b' = s_b·b). A raw MLP is a `tf.Sequential` of
 * Dense layers; a centred network f = g_θ − g_θ0 is a two-branch model, the trained g_θ plus a frozen
 * (non-trainable) copy of the initial network with its output negated, summed by an Add layer, so `model.fit` on it
 * goes on training the centred network.
 */
export function toLayersModel(network: DenseNetwork): tf.LayersModel {
  const trained = denseLayers(network, network.layers, { prefix: network.origin ? CENTRED_MODEL.trained : 'dense', sign: 1, trainable: true });
  if (!network.origin) {
    const model = tf.sequential();
    for (const { dense } of trained) model.add(dense);
    setFoldedWeights(trained);
    return model;
  }
  const input = tf.input({ shape: [network.inputDim], name: 'inputs' });
  const g = chain(input, trained);
  const minusG0 = chain(input, denseLayers(network, network.origin, { prefix: CENTRED_MODEL.initial, sign: -1, trainable: false }));
  const f = tf.layers.add({ name: 'centred_output' }).apply([g, minusG0]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: f, name: CENTRED_MODEL.name });
}

/**
 * Save in the TF.js layers format (model.json + weights.bin), loadable with `tf.loadLayersModel`. Written by our own
 * IO handler, so it works without @tensorflow/tfjs-node. Returns the paths written.
 */
export async function saveNetwork(network: DenseNetwork, dir: string): Promise<{ modelJson: string; weights: string }> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new TrainerInputError(`cannot save the network in ${dir}: ${(error as Error).message}; choose another folder`);
  }
  const model = toLayersModel(network);
  const modelJson = join(dir, 'model.json');
  const weights = join(dir, 'weights.bin');
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        writeFileSync(weights, new Uint8Array(artifacts.weightData as ArrayBuffer));
        const json = {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        };
        writeFileSync(modelJson, JSON.stringify(json));
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  } finally {
    model.dispose();
  }
  return { modelJson, weights };
}
