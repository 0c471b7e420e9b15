import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { uniformGenerator } from '@duality/linalg-core';
import { initTensorflow } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'duality-model-'));
}

async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  await (await createProgram({ write: (t) => lines.push(t) })).parseAsync(['node', 'duality', ...args]);
  return lines.join('\n');
}

/** Rows of (a, b, y = sin a + b/2 + noise, a 3-class label by the sign pattern of a and b). */
function table(rows: number): { a: number; b: number; y: number; label: string }[] {
  const u = uniformGenerator(777);
  return Array.from({ length: rows }, () => {
    const a = 4 * u() - 2;
    const b = 4 * u() - 2;
    const label = a + b > 1 ? 'high' : a - b > 0.5 ? 'right' : 'low';
    return { a, b, y: Math.sin(a) + b / 2 + 0.1 * (u() - 0.5), label };
  });
}

function writeCsv(dir: string, rows: ReturnType<typeof table>): string {
  const path = join(dir, 'data.csv');
  writeFileSync(path, ['a,b,y,label', ...rows.map((r) => `${r.a},${r.b},${r.y},${r.label}`)].join('\n') + '\n');
  return path;
}

/** What tfjs-node's `model.save('file://dir')` writes: model.json naming weights.bin, beside it. */
async function saveLikeTfjsNode(model: tf.LayersModel, dir: string): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      const json = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }] };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return join(dir, 'model.json');
}

function denseModel(inputs: number, outputs: number, layers: tf.layers.Layer[] = []): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 64, activation: 'relu', inputShape: [inputs] }));
  for (const layer of layers) model.add(layer);
  model.add(tf.layers.dense({ units: outputs }));
  return model;
}

/** Plain TF.js reading the files back (no Duality code). */
async function loadPlain(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer }),
  );
}

beforeAll(async () => {
  await initTensorflow();
});

describe('--model: the user’s own TF.js network', () => {
  it('goes through analyze and train, and the model written loads with plain TF.js and predicts what the report says', async () => {
    const dir = tempDir();
    const rows = table(80);
    const csv = writeCsv(dir, rows);
    const model = await saveLikeTfjsNode(denseModel(2, 1), dir);
    const analysis = JSON.parse(await run(['analyze', csv, '--target', 'y', '--features', 'a,b', '--model', model, '--json', '--quiet']));
    expect(analysis.decision.train).toBe(true);
    expect(analysis.initialOutput.network).toBe('keep');
    const out = join(dir, 'out');
    const common = ['--target', 'y', '--features', 'a,b', '--no-standardize', '--test-fraction', '0', '--quiet', '--max-steps', '300'];
    await run(['train', csv, ...common, '--model', model, '--out', out]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.network.hiddenWidths).toEqual([64]);
    const trained = await loadPlain(join(out, 'model'));
    expect(trained.getClassName()).toBe('Sequential');
    const outputs = tf.tidy(() => (trained.predict(tf.tensor2d(rows.map((r) => [r.a, r.b]))) as tf.Tensor).dataSync());
    const halfMse = rows.reduce((s, r, i) => s + (outputs[i]! - r.y) ** 2, 0) / (2 * rows.length);
    expect(halfMse).toBeCloseTo(report.training.finalTrainLoss, 5);
    expect(report.training.steps).toBeGreaterThan(0);
  });

  it('refuses architecture flags beside --model, a model that does not fit the data, and layers it cannot read', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, table(30));
    const model = await saveLikeTfjsNode(denseModel(2, 1), dir);
    const analyze = (...extra: string[]) => run(['analyze', csv, '--target', 'y', '--quiet', ...extra]);
    await expect(analyze('--features', 'a,b', '--model', model, '--hidden', '8')).rejects.toThrow(/--hidden describe a network Duality builds; with --model/);
    await expect(analyze('--features', 'a', '--model', model)).rejects.toThrow(/takes 2 inputs but the data have 1 features \(a\); choose them with --features/);
    const dropout = join(dir, 'dropout');
    mkdirSync(dropout);
    const withDropout = await saveLikeTfjsNode(denseModel(2, 1, [tf.layers.dropout({ rate: 0.1 })]), dropout);
    await expect(analyze('--features', 'a,b', '--model', withDropout)).rejects.toThrow(/is a Dropout layer; only Dense layers (.*) can be read/);
    await expect(analyze('--features', 'a,b', '--model', join(dir, 'missing.json'))).rejects.toThrow(/cannot read the model/);
  });
});

describe('a class target', () => {
  it('trains end to end on a 3-class text target with accuracy and a confusion table in the report', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, table(120));
    const out = join(dir, 'out');
    const printed = await run(['train', csv, '--target', 'label', '--features', 'a,b', '--hidden', '64', '--quiet', '--max-steps', '2000', '--out', out]);
    expect(printed).toMatch(/3 classes \(high, low, right\), one output each/);
    expect(printed).toMatch(/accuracy +train \d+\.\d%, test \d+\.\d%; always guessing the most frequent class/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.data.outputs).toBe(3);
    expect(report.classification.classes).toEqual(['high', 'low', 'right']);
    expect(report.classification.test.accuracy).toBeGreaterThan(report.classification.test.majorityClass);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/Confusion table: test rows, the network \(trained to the rule’s stop\)/);
    expect(html).toMatch(/Confusion table: test rows, the kernel model \(the linearised prediction\)/);
    expect(html).toMatch(/Test accuracy \(kernel model\)/);
    expect(report.metrics.kind).toBe('classification');
    expect(report.metrics.network.test.accuracy).toBe(report.classification.test.accuracy);
    expect(printed).toMatch(/network \(trained to the rule’s stop\) +test accuracy \d+\.\d%, log-loss [\d.]+/);
  });

  it('reads numeric codes as classes with --classes', async () => {
    const dir = tempDir();
    const rows = table(40).map((r) => ({ ...r, label: String(['high', 'low', 'right'].indexOf(r.label) + 1) }));
    const csv = writeCsv(dir, rows);
    const s = JSON.parse(await run(['analyze', csv, '--target', 'label', '--features', 'a,b', '--classes', '--hidden', '16', '--json', '--quiet']));
    expect(s.data.classes).toEqual(['1', '2', '3']);
  });
});
