import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DenseNetwork, INITIAL_OUTPUTS, readSequential, type DenseParameters, type InitialOutput } from '@duality/ntk';
import { CENTRED_MODEL } from './save.js';
import { TrainerInputError } from './time.js';

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** model.json as TF.js writes it (tfjs-node's `file://`, the browser's `downloads://`, the Python converter). */
interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: WeightsGroup[];
}

/** The model.json itself, or the one inside a folder given instead (what `saveNetwork` and `duality train` write). */
export function modelJsonPath(path: string): string {
  const folder = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  if (!folder) return path;
  const inside = join(path, 'model.json');
  if (!existsSync(inside)) throw new TrainerInputError(`${path} is a folder with no model.json in it; give the path of the model's model.json`);
  return inside;
}

function readModelJson(path: string): ModelJson {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TrainerInputError(`cannot read the model ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as ModelJson;
  } catch {
    throw new TrainerInputError(`${path} is not JSON; give the model.json that TF.js's model.save wrote`);
  }
}

/**
 * Every file a model reads: its model.json and the weight files its manifest names (just the model.json when it
 * cannot be read; loading it then fails on its own). A caller that writes files uses it to leave them alone.
 */
export function modelFiles(path: string): string[] {
  const file = modelJsonPath(path);
  try {
    const manifest = (JSON.parse(readFileSync(file, 'utf8')) as ModelJson).weightsManifest ?? [];
    return [file, ...manifest.flatMap((group) => group.paths.map((shard) => resolve(dirname(file), shard)))];
  } catch {
    return [file];
  }
}

/** The weight shards, in manifest order, joined into one buffer (paths are relative to model.json). */
function readWeights(path: string, manifest: WeightsGroup[]): ArrayBuffer {
  const shards = manifest.flatMap((group) =>
    group.paths.map((shard) => {
      const file = resolve(dirname(path), shard);
      try {
        return readFileSync(file);
      } catch {
        throw new TrainerInputError(`${path} names the weights file ${shard}, which is missing: keep it beside model.json`);
      }
    }),
  );
  const joined = new Uint8Array(shards.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    joined.set(shard, offset);
    offset += shard.byteLength;
  }
  return joined.buffer;
}

/** Copies of a network's weights that the new network owns. */
function ownedCopies(layers: DenseParameters[]): DenseParameters[] {
  return layers.map((p) => ({ kernel: p.kernel.clone(), bias: p.bias ? p.bias.clone() : null }));
}

/** g_θ0's weights from the saved initial branch, whose output layer holds −W and −b (see `toLayersModel`). */
function unnegatedOrigin(layers: DenseParameters[]): DenseParameters[] {
  return ownedCopies(layers).map((p, l) => {
    if (l < layers.length - 1) return p;
    const negated = { kernel: tf.neg(p.kernel), bias: p.bias ? tf.neg(p.bias) : null };
    tf.dispose([p.kernel, ...(p.bias ? [p.bias] : [])]);
    return negated;
  });
}

/** The network a model computes: a Sequential of Dense layers, or a centred network Duality saved (two branches). */
function networkOf(model: tf.LayersModel, path: string, initialOutput: InitialOutput): DenseNetwork {
  const branch = (prefix: string) => readSequential({ layers: model.layers.filter((layer) => layer.name.startsWith(`${prefix}_`)) });
  if (model.name === CENTRED_MODEL.name) {
    const trained = branch(CENTRED_MODEL.trained);
    // 'keep' keeps the function the file computes, g_θ − g_θ0; 'zero' centres it anew on the current weights.
    const origin = initialOutput === 'keep' ? unnegatedOrigin(branch(CENTRED_MODEL.initial).layers) : ownedCopies(trained.layers);
    return new DenseNetwork(trained.plans, ownedCopies(trained.layers), trained.parameterisation, true, origin);
  }
  if (model.getClassName() !== 'Sequential') {
    throw new TrainerInputError(
      `${path} is a functional TF.js model (${model.getClassName()}), not a Sequential; rebuild it as tf.sequential() of Dense layers`,
    );
  }
  const read = readSequential(model);
  return new DenseNetwork(read.plans, ownedCopies(read.layers), read.parameterisation, true, initialOutput === 'zero' ? ownedCopies(read.layers) : null);
}

/**
 * A TF.js layers model from its model.json (or the folder holding it) and the weight files beside it, without
 * @tensorflow/tfjs-node, as a
 * DenseNetwork at the model's weights: a `tf.Sequential` of Dense layers (readSequential names anything else), or a
 * centred network Duality saved. 'keep' (the default) keeps the function the file computes, so the initial output is
 * the model's own (math.md §0.1's f0 of a network Duality did not build); 'zero' centres it on its current weights (a
 * frozen copy is subtracted, as for the networks Duality builds).
 */
export async function loadNetwork(path: string, options: { initialOutput?: InitialOutput } = {}): Promise<DenseNetwork> {
  const initialOutput = options.initialOutput ?? 'keep';
  if (!INITIAL_OUTPUTS.includes(initialOutput)) throw new TrainerInputError(`initialOutput must be ${INITIAL_OUTPUTS.join(' or ')}, got ${String(initialOutput)}`);
  const file = modelJsonPath(path);
  const json = readModelJson(file);
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new TrainerInputError(`${file} has no modelTopology or weightsManifest: give a TF.js layers model (model.json), not a graph model or Keras .h5`);
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const weightData = readWeights(file, json.weightsManifest);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs, weightData })).catch((error: Error) => {
    throw new TrainerInputError(`TF.js cannot load ${file}: ${error.message}`);
  });
  try {
    return networkOf(model, file, initialOutput);
  } finally {
    model.dispose();
  }
}
