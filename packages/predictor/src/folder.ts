import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { DenseNetwork } from '@duality/ntk';
import type { Preprocessing } from '@duality/tabular';
import { loadNetwork, saveNetwork, type TwoStageReport } from '@duality/trainer';
import { checkedDescription, DESCRIPTION_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDescription } from './description.js';
import { PredictorInputError } from './errors.js';
import { Predictor } from './predictor.js';

const own = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The description of a trained run: its preprocessing, and from its report the stop, the linear part and the interval. */
export function describeModel(preprocessing: Preprocessing, report: TwoStageReport): ModelDescription {
  const { decision } = report;
  const linear = report.linearPart;
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    writtenBy: { name: own.name, version: own.version },
    task: preprocessing.target.kind === 'classes' ? 'classification' : 'regression',
    preprocessing,
    ...(linear ? { linearPart: { intercept: linear.intercept, coefficients: linear.coefficients } } : {}),
    stop: {
      rule: decision.rule,
      trained: decision.train,
      steps: decision.steps,
      learningRate: report.learningRate,
      time: decision.steps * report.learningRate,
      capped: decision.cappedAt !== undefined,
    },
    ...(report.interval ? { interval: { level: report.interval.level, halfWidth: report.interval.halfWidth, method: report.interval.method } } : {}),
  };
}

/** Write a model folder: the network (TF.js layers format, model.json + weights) and its description beside it. */
export async function saveModel(dir: string, network: DenseNetwork, description: ModelDescription): Promise<{ description: string; modelJson: string; weights: string }> {
  const paths = await saveNetwork(network, dir);
  const path = join(dir, DESCRIPTION_FILE);
  writeFileSync(path, `${JSON.stringify(description, null, 2)}\n`);
  return { description: path, ...paths };
}

/** The folder a path names: the folder itself, or the folder of its model.json or description file. */
function folderOf(path: string): string {
  if (!existsSync(path)) throw new PredictorInputError(`no such model folder: ${path}; give the model/ folder \`duality train\` wrote`);
  return statSync(path).isDirectory() ? path : dirname(path);
}

/** Load a model folder written by `saveModel` (or `duality train`): its description checked, its network loaded. */
export async function loadPredictor(path: string): Promise<Predictor> {
  const dir = folderOf(path);
  const file = join(dir, DESCRIPTION_FILE);
  if (!existsSync(file)) {
    const hint = existsSync(join(dir, 'model.json')) ? ' (a model.json alone cannot say how raw rows become its inputs; it was saved before model folders carried their preprocessing, or by another tool)' : '';
    throw new PredictorInputError(`${dir} has no ${DESCRIPTION_FILE}${hint}; give the model/ folder \`duality train\` wrote`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PredictorInputError(`${file} is not valid JSON (${(err as Error).message}); the model folder is damaged: train it again`);
  }
  const description = checkedDescription(json, file);
  const network = await loadNetwork(join(dir, 'model.json'), { initialOutput: 'keep' });
  const inputs = description.preprocessing.columns.length;
  const outputs = description.preprocessing.target.kind === 'classes' ? description.preprocessing.target.labels.length : 1;
  if (network.inputDim !== inputs || network.outputDim !== outputs) {
    network.dispose();
    throw new PredictorInputError(
      `${join(basename(dir), 'model.json')} takes ${network.inputDim} inputs and gives ${network.outputDim} outputs, but ${DESCRIPTION_FILE} describes ${inputs} and ${outputs}; the folder mixes two models: train it again`,
    );
  }
  return new Predictor(description, network);
}
