import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { prepareDesign, tableFromColumns } from '@duality/tabular';
import { defaultNetworkSpec, trainTwoStage } from '@duality/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeModel, loadPredictor, saveModel, type ModelDescription } from './index.js';

beforeAll(async () => {
  await initTensorflow();
});

/**
 * What the README shows: plain TF.js (no tfjs-node, no Duality) loads the saved network, and a raw row goes through
 * the saved description by hand. It must give what `predict` gives.
 */
async function plainAnswer(dir: string, row: Record<string, number | string | null>): Promise<number> {
  const description = JSON.parse(readFileSync(join(dir, 'duality-model.json'), 'utf8')) as ModelDescription;
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer }),
  );
  const x = description.preprocessing.columns.map((c) => {
    const v = row[c.input] ?? null;
    const raw = c.encoding === 'missing' ? Number(v === null) : v === null ? c.fill : c.encoding === 'level' ? Number(String(v) === c.level) : Number(v);
    return (raw - c.scaling.mean) / c.scaling.sd;
  });
  const input = tf.tensor2d([x]);
  const output = model.predict(input) as tf.Tensor;
  const [z] = await output.data();
  tf.dispose([input, output]);
  model.dispose();
  const target = description.preprocessing.target;
  if (target.kind !== 'number') throw new Error('a numeric target');
  return z! * target.scaling.sd + target.scaling.mean;
}

describe('the saved model without Duality', () => {
  it('answers a raw row through plain TF.js and the description as predict does', async () => {
    const n = 60;
    const columns = {
      a: Array.from({ length: n }, (_, i) => (i % 9 === 4 ? null : Math.sin(i))),
      site: Array.from({ length: n }, (_, i) => ['north', 'south'][i % 2]!),
      y: Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i) + (i % 2) * 5),
    };
    const design = prepareDesign(tableFromColumns('t', columns), { target: 'y', missingIndicators: true, seed: 1 });
    const network = buildNetwork({ ...defaultNetworkSpec(design.train.x.cols), hiddenWidths: [16] }, { seed: 2 });
    const { report, network: trained } = await trainTwoStage(network, design.train.x, design.train.y, { maxSteps: 200, compare: [], targetScaling: design.targetScaling });
    network.dispose();
    const dir = join(mkdtempSync(join(tmpdir(), 'duality-plain-')), 'model');
    await saveModel(dir, trained, describeModel(design.preprocessing, report));
    trained.dispose();
    const predictor = await loadPredictor(dir);
    for (const row of [{ a: 0.3, site: 'south' }, { a: null, site: 'north' }]) {
      const expected = predictor.predictColumns({ a: [row.a], site: [row.site] }).values![0]!;
      expect(await plainAnswer(dir, row)).toBeCloseTo(expected, 4);
    }
    predictor.dispose();
  });
});
