import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DenseNetwork } from '@duality/ntk';
import { TrainerInputError } from './time.js';

/** TF.js Dense activation names for ours; leaky ReLU becomes a LeakyReLU layer after a linear Dense. */
const KERAS_ACTIVATIONS: Record<string, string> = { relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', identity: 'linear', gelu: 'gelu' };

/**
 * The network as a `tf.Sequential` of Dense layers computing the same function: the parameterisation's scales
 * are folded into the weights (W' = s_w·W, b' = s_b·b), so any TF.js user can load and run it.
 */
export function toSequential(network: DenseNetwork): tf.Sequential {
  const model = tf.sequential();
  network.plans.forEach((plan, l) => {
    const layer = network.layers[l]!;
    const name = plan.activation.name;
    const keras = KERAS_ACTIVATIONS[name];
    if (!keras && name !== 'leaky_relu') {
      throw new TrainerInputError(`cannot save activation '${name}' as a TF.js Dense layer; use relu, leaky_relu, tanh, sigmoid, gelu or identity`);
    }
    const dense = tf.layers.dense({
      units: plan.fanOut,
      useBias: layer.bias !== null,
      activation: (keras ?? 'linear') as 'linear',
      ...(l === 0 ? { inputShape: [plan.fanIn] } : {}),
    });
    model.add(dense);
    const weights = [tf.mul(layer.kernel, plan.weightScale)];
    if (layer.bias) weights.push(tf.mul(layer.bias, plan.biasScale));
    dense.setWeights(weights);
    tf.dispose(weights);
    if (plan.activation.name === 'leaky_relu') model.add(tf.layers.leakyReLU({ alpha: plan.activation.slope }));
  });
  return model;
}

/**
 * Save in the TF.js layers format (model.json + weights.bin), loadable with `tf.loadLayersModel`. Written by our own
 * IO handler, so it works without @tensorflow/tfjs-node. Returns the paths written.
 */
export async function saveNetwork(network: DenseNetwork, dir: string): Promise<{ modelJson: string; weights: string }> {
  const model = toSequential(network);
  mkdirSync(dir, { recursive: true });
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
