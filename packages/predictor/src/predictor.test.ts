import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, initTensorflow, type DenseNetwork } from '@duality/ntk';
import { prepareDesign, tableFromColumns, unscaleTarget, type CellValue, type Design } from '@duality/tabular';
import { defaultNetworkSpec, trainTwoStage } from '@duality/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESCRIPTION_FILE, describeModel, loadPredictor, PredictorInputError, saveModel } from './index.js';

beforeAll(async () => {
  await initTensorflow();
});

/** 80 rows: two numeric columns with gaps, a text column, a numeric target and a class target. */
function rawColumns(): Record<string, CellValue[]> {
  const n = 80;
  const a = Array.from({ length: n }, (_, i) => (i % 13 === 5 ? null : Math.sin(i)));
  const b = Array.from({ length: n }, (_, i) => (i % 17 === 3 ? null : 10 + 3 * Math.cos(2 * i)));
  const site = Array.from({ length: n }, (_, i) => ['north', 'south', 'east'][i % 3]!);
  const y = Array.from({ length: n }, (_, i) => 50 + 20 * Math.sin(i) + 0.3 * (10 + 3 * Math.cos(2 * i)) + (i % 3) * 4);
  const kind = y.map((v) => (v > 55 ? 'high' : v > 45 ? 'mid' : 'low'));
  return { a, b, site, y, kind };
}

/** The raw rows of a split, as a new file would hold them: every column but the targets, in another order. */
function rowsOf(columns: Record<string, CellValue[]>, rows: Int32Array): Record<string, CellValue[]> {
  const pick = (name: string) => Array.from(rows, (i) => columns[name]![i]!);
  return { site: pick('site'), extra: pick('y').map(() => 'ignored'), b: pick('b'), a: pick('a') };
}

async function trained(design: Design): Promise<{ dir: string; network: DenseNetwork }> {
  const network = buildNetwork({ ...defaultNetworkSpec(design.train.x.cols), hiddenWidths: [32], outputDim: design.train.y.cols }, { seed: 1 });
  const { report, network: kept } = await trainTwoStage(network, design.train.x, design.train.y, {
    maxSteps: 300,
    compare: [],
    ...(design.classes ? { classes: design.classes } : { targetScaling: design.targetScaling }),
  });
  network.dispose();
  const dir = join(mkdtempSync(join(tmpdir(), 'duality-predictor-')), 'model');
  await saveModel(dir, kept, describeModel(design.preprocessing, report));
  return { dir, network: kept };
}

describe('a model folder, saved and loaded', () => {
  it('predicts raw rows in target units exactly as the trained network predicts the encoded test split', async () => {
    const columns = rawColumns();
    const design = prepareDesign(tableFromColumns('train.csv', columns), { target: 'y', features: ['a', 'b', 'site'], seed: 2 });
    const { dir, network } = await trained(design);
    const expected = unscaleTarget(network.outputs(design.test.x).data, design.targetScaling);
    network.dispose();
    const before = tf.memory().numTensors;
    const predictor = await loadPredictor(dir);
    const answers = predictor.predictColumns(rowsOf(columns, design.test.rows));
    expect(answers.rows).toBe(design.test.x.rows);
    answers.values!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4)); // float32 network, target units ~ 50
    expect(answers.counts.imputed).toEqual(new Map(design.missing.imputed.filter((c) => c.test > 0).map((c) => [c.column, c.test])));
    if (answers.interval) {
      answers.interval.lower.forEach((lo, i) => expect(answers.values![i]! - lo).toBeCloseTo(predictor.description.interval!.halfWidth, 10));
    }
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers a class target with its own labels and one probability per class summing to 1', async () => {
    const columns = rawColumns();
    const design = prepareDesign(tableFromColumns('train.csv', columns), { target: 'kind', features: ['a', 'b', 'site'], seed: 2 });
    const { dir, network } = await trained(design);
    network.dispose();
    const predictor = await loadPredictor(dir);
    const answers = predictor.predictColumns(rowsOf(columns, design.test.rows));
    expect(answers.classLabels).toEqual(['high', 'low', 'mid']);
    expect(new Set(answers.labels)).toSatisfy((labels: Set<string>) => [...labels].every((l) => ['high', 'low', 'mid'].includes(l)));
    for (let i = 0; i < answers.rows; i++) expect(answers.probabilities!.reduce((s, p) => s + p[i]!, 0)).toBeCloseTo(1, 12);
    predictor.dispose();
  });

  it('fills blank cells as training did, counts an unseen level, and names a missing column, a text cell and a damaged folder', async () => {
    const columns = rawColumns();
    const design = prepareDesign(tableFromColumns('train.csv', columns), { target: 'y', features: ['a', 'b', 'site'], seed: 2 });
    const { dir, network } = await trained(design);
    network.dispose();
    const predictor = await loadPredictor(dir);
    const answers = predictor.predictColumns({ a: [null, 0.5], b: [11, null], site: ['west', 'north'] });
    expect(answers.counts.imputed).toEqual(new Map([['a', 1], ['b', 1]]));
    expect(answers.counts.unseen).toEqual(new Map([['site', 1]]));
    expect(() => predictor.predictColumns({ a: [1], site: ['north'] })).toThrow(/has no column 'b' \(a feature the model was trained on\)/);
    expect(() => predictor.predictColumns({ a: [1, 2], b: ['12', 'twelve'], site: ['north', 'east'] })).toThrow("column 'b', row 2 is 'twelve' but the model reads it as a number");
    predictor.dispose();

    const file = join(dir, DESCRIPTION_FILE);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('"impute": "median"', '"impute": "zero"'));
    await expect(loadPredictor(dir)).rejects.toThrow(/description\.preprocessing\.impute must be one of median, mean, drop, got "zero"; the model folder is damaged/);
    writeFileSync(file, good.replace('"version": 1,', '"version": 99,'));
    await expect(loadPredictor(dir)).rejects.toThrow(/is model format version 99; this version of Duality reads version 1/);
    writeFileSync(file, '{ not json');
    await expect(loadPredictor(dir)).rejects.toThrow(PredictorInputError);
    await expect(loadPredictor(join(dir, 'nope'))).rejects.toThrow(/no such model folder/);
    await expect(loadPredictor(mkdtempSync(join(tmpdir(), 'empty-')))).rejects.toThrow(/has no duality-model\.json/);
  });
});
