import type * as tf from '@tensorflow/tfjs';
import type { Activation } from './activations.js';
import { UnsupportedLayerError } from './errors.js';
import { DenseNetwork, type DenseParameters } from './network.js';
import type { LayerPlan } from './spec.js';
import { erf, normalPdf } from './special.js';

/** TF.js Dense activation names → ours. */
const DENSE_ACTIVATIONS: Record<string, Activation> = {
  relu: { name: 'relu' },
  tanh: { name: 'tanh' },
  sigmoid: { name: 'sigmoid' },
  gelu: { name: 'gelu' },
  linear: { name: 'identity' },
};

/** Variance of N(0, 1) truncated to [−2, 2], as TF.js's truncatedNormal draws (it redraws beyond 2σ). */
const TRUNCATED_NORMAL_VARIANCE = 1 - (2 * 2 * normalPdf(2)) / erf(2 / Math.SQRT2);

interface SerializedInitializer {
  className: string;
  config: Record<string, unknown>;
}

function numberField(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key];
  return typeof value === 'number' ? value : fallback;
}

/**
 * Per-entry variance of the distribution a TF.js initialiser draws from, or an error naming it.
 * Mirrors TF.js 4.x: VarianceScaling draws a 2σ-truncated normal for 'normal' and a uniform otherwise.
 */
export function initializerVariance(init: SerializedInitializer, fanIn: number, fanOut: number, where: string): number {
  const config = init.config ?? {};
  const zeroMean = (mean: number) => {
    if (mean !== 0) {
      throw new UnsupportedLayerError(`${where}: ${init.className} has mean ${mean}; kernels need zero-mean initialisers`);
    }
  };
  switch (init.className) {
    case 'Zeros':
      return 0;
    case 'RandomNormal':
      zeroMean(numberField(config, 'mean', 0));
      return numberField(config, 'stddev', 0.05) ** 2;
    case 'TruncatedNormal':
      zeroMean(numberField(config, 'mean', 0));
      return numberField(config, 'stddev', 0.05) ** 2 * TRUNCATED_NORMAL_VARIANCE;
    case 'RandomUniform': {
      const low = numberField(config, 'minval', -0.05);
      const high = numberField(config, 'maxval', 0.05);
      zeroMean((low + high) / 2);
      return (high - low) ** 2 / 12;
    }
    case 'VarianceScaling':
    case 'GlorotUniform':
    case 'GlorotNormal':
    case 'HeNormal':
    case 'HeUniform':
    case 'LeCunNormal':
    case 'LeCunUniform': {
      const mode = config.mode;
      const fans = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const variance = numberField(config, 'scale', 1) / Math.max(1, fans);
      return config.distribution === 'normal' ? variance * TRUNCATED_NORMAL_VARIANCE : variance;
    }
    default:
      throw new UnsupportedLayerError(
        `${where}: initialiser ${init.className} is not supported; use RandomNormal, TruncatedNormal, ` +
          'RandomUniform, Zeros or a VarianceScaling family initialiser (glorot*, he*, leCun*)',
      );
  }
}

/** Layers that apply an activation on their own: Keras's `Dense(linear)` + `LeakyReLU` / `ReLU` / `Activation`. */
function standaloneActivation(layer: tf.layers.Layer, where: string): Activation | undefined {
  const config = layer.getConfig() as Record<string, unknown>;
  switch (layer.getClassName()) {
    case 'LeakyReLU':
      return { name: 'leaky_relu', slope: numberField(config, 'alpha', 0.3) };
    case 'ReLU':
      if (config.maxValue !== null && config.maxValue !== undefined) {
        throw new UnsupportedLayerError(`${where} is a ReLU capped at ${String(config.maxValue)}; only the uncapped ReLU can be read`);
      }
      return { name: 'relu' };
    case 'Activation': {
      const activation = DENSE_ACTIVATIONS[String(config.activation)];
      if (!activation) throw new UnsupportedLayerError(`${where} has activation '${String(config.activation)}'; supported: ${Object.keys(DENSE_ACTIVATIONS).join(', ')}`);
      return activation;
    }
    default:
      return undefined;
  }
}

/** One Dense layer's plan (its activation as configured) and weights; init standard deviations from its initialisers. */
function denseLayer(layer: tf.layers.Layer, where: string, previous: LayerPlan | undefined): { plan: LayerPlan; weights: DenseParameters } {
  const config = layer.getConfig() as Record<string, unknown>;
  const activationName = String(config.activation);
  const activation = DENSE_ACTIVATIONS[activationName];
  if (!activation) {
    throw new UnsupportedLayerError(`${where} has activation '${activationName}'; supported: ${Object.keys(DENSE_ACTIVATIONS).join(', ')}`);
  }
  const [kernel, bias] = layer.getWeights() as [tf.Tensor2D, tf.Tensor1D | undefined];
  if (kernel.rank !== 2) throw new UnsupportedLayerError(`${where} has a kernel of rank ${kernel.rank}; expected 2`);
  const [fanIn, fanOut] = kernel.shape;
  if (previous && previous.fanOut !== fanIn) {
    throw new UnsupportedLayerError(`${where} has fan-in ${fanIn} but the previous layer has ${previous.fanOut} units`);
  }
  const weightVariance = initializerVariance(config.kernelInitializer as SerializedInitializer, fanIn, fanOut, `${where} kernel`);
  const biasVariance = bias ? initializerVariance(config.biasInitializer as SerializedInitializer, fanIn, fanOut, `${where} bias`) : 0;
  const plan: LayerPlan = {
    fanIn,
    fanOut,
    activation,
    weightScale: 1,
    biasScale: bias ? 1 : 0,
    weightInitStd: Math.sqrt(weightVariance),
    biasInitStd: Math.sqrt(biasVariance),
  };
  return { plan, weights: { kernel, bias: bias ?? null } };
}

/**
 * Read a `tf.Sequential` of Dense layers (or any list of layers applied in order, such as one branch of a model;
 * standard parameterisation: TF.js layers hold W and b as they are used). A LeakyReLU, ReLU or Activation layer
 * right after a linear Dense layer is that layer's activation (how Keras writes leaky ReLU, and how Duality saves
 * it). The network borrows the model's variables: kernels are taken at its current weights; the plans' init standard
 * deviations come from the layers' initialisers. Any other layer, an unsupported activation, or a non-linear last
 * layer is rejected with an error naming it.
 */
export function readSequential(model: Pick<tf.LayersModel, 'layers'>): DenseNetwork {
  const plans: LayerPlan[] = [];
  const layers: DenseParameters[] = [];
  let lastWhere = '';
  const applied = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  if (applied.length === 0) throw new UnsupportedLayerError('the model has no layers; add Dense layers');
  applied.forEach((layer, index) => {
    const where = `layer ${index} ('${layer.name}')`;
    const className = layer.getClassName();
    const previous = plans[plans.length - 1];
    lastWhere = where;
    if (className === 'Dense') {
      const { plan, weights } = denseLayer(layer, where, previous);
      plans.push(plan);
      layers.push(weights);
      return;
    }
    const activation = standaloneActivation(layer, where);
    if (!activation) {
      throw new UnsupportedLayerError(
        `${where} is a ${className} layer; only Dense layers (and an activation layer after a linear Dense) can be read. ` +
          'Rebuild the model from Dense layers (activations as the Dense activation argument) or describe it with an MlpSpec',
      );
    }
    if (!previous || previous.activation.name !== 'identity') {
      throw new UnsupportedLayerError(`${where} is a ${className} layer that does not follow a linear Dense layer; give it the Dense layer's activation instead`);
    }
    previous.activation = activation;
  });
  const last = plans[plans.length - 1]!;
  if (last.activation.name !== 'identity') {
    throw new UnsupportedLayerError(
      `${lastWhere} is the output layer with activation '${last.activation.name}'; kernels describe the linear output, ` +
        "so give the last Dense layer activation 'linear' and apply the link function outside the model",
    );
  }
  return new DenseNetwork(plans, layers, 'standard', false);
}
