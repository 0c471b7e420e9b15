import { Matrix64 } from '@duality/linalg-core';
import type { DenseNetwork } from '@duality/ntk';
import { probabilityWeight } from '@duality/trainer';
import { encodeFeatures, tableFromColumns, type CellValue, type EncodingCounts, type Table } from '@duality/tabular';
import type { ModelDescription } from './description.js';
import { PredictorInputError } from './errors.js';

/** Rows encoded and sent through the network at a time: bounds memory to a block of the design, whatever the table's size. */
const BLOCK_ROWS = 4096;

/** Answers in the target's units: a number per row (regression), or a label and a probability per class. */
export interface Predictions {
  target: string;
  rows: number;
  /** Regression: the prediction per row. */
  values?: Float64Array;
  /** Regression with an interval: its level and the bounds per row. */
  interval?: { level: number; lower: Float64Array; upper: Float64Array };
  /** Classification: the predicted label per row, and one probability column per class (same order as `classLabels`). */
  labels?: string[];
  classLabels?: string[];
  probabilities?: Float64Array[];
  /** Cells filled with the training statistic, and text cells with a level training never saw, per input column. */
  counts: EncodingCounts;
}

/** A trained model folder, loaded: apply it to a table, or to columns of raw values. */
export class Predictor {
  constructor(
    readonly description: ModelDescription,
    private readonly network: DenseNetwork,
  ) {}

  /** The raw columns a row must have (any order, extra columns ignored). */
  get inputs(): string[] {
    return this.description.preprocessing.inputs.map((c) => c.name);
  }

  /** Predictions for every row of a table read by `readTable` (or built by `tableFromColumns`). */
  predict(table: Table): Predictions {
    const outputs = new Matrix64(table.rows, this.network.outputDim);
    const counts: EncodingCounts = { imputed: new Map(), unseen: new Map() };
    for (let start = 0; start < table.rows; start += BLOCK_ROWS) {
      const rows = Int32Array.from({ length: Math.min(BLOCK_ROWS, table.rows - start) }, (_, r) => start + r);
      const block = encodeFeatures(table, this.description.preprocessing, rows);
      outputs.data.set(this.standardisedOutputs(block.x).data, start * outputs.cols);
      for (const key of ['imputed', 'unseen'] as const) for (const [name, n] of block.counts[key]) counts[key].set(name, (counts[key].get(name) ?? 0) + n);
    }
    return this.answers(outputs, counts);
  }

  /** Predictions for rows given column by column, e.g. `{ Horsepower: [130, 95], Origin: ['USA', 'Japan'] }`. */
  predictColumns(columns: Record<string, readonly CellValue[]>): Predictions {
    return this.predict(tableFromColumns('the rows given', columns));
  }

  dispose(): void {
    this.network.dispose();
  }

  /** The network's output plus the linear part, on the standardised scale the model was trained on. */
  private standardisedOutputs(x: Matrix64): Matrix64 {
    const out = this.network.outputs(x);
    const linear = this.description.linearPart;
    if (!linear) return out;
    for (let i = 0; i < x.rows; i++) {
      for (let k = 0; k < out.cols; k++) {
        let sum = linear.intercept[k]!;
        for (let j = 0; j < x.cols; j++) sum += linear.coefficients[j]![k]! * x.data[i * x.cols + j]!;
        out.data[i * out.cols + k]! += sum;
      }
    }
    return out;
  }

  private answers(outputs: Matrix64, counts: EncodingCounts): Predictions {
    const { target } = this.description.preprocessing;
    const base = { target: target.name, rows: outputs.rows, counts };
    if (target.kind === 'classes') return { ...base, ...classAnswers(outputs, target.labels, target.offsets) };
    const values = Float64Array.from(outputs.data, (z) => z * target.scaling.sd + target.scaling.mean);
    const interval = this.description.interval;
    if (!interval) return { ...base, values };
    return {
      ...base,
      values,
      interval: { level: interval.level, lower: values.map((v) => v - interval.halfWidth), upper: values.map((v) => v + interval.halfWidth) },
    };
  }
}

function classAnswers(outputs: Matrix64, classLabels: string[], offsets: number[]): Pick<Predictions, 'labels' | 'classLabels' | 'probabilities'> {
  const k = classLabels.length;
  if (outputs.cols !== k) throw new PredictorInputError(`the network has ${outputs.cols} outputs but the model names ${k} classes; train it again`);
  const probabilities = classLabels.map(() => new Float64Array(outputs.rows));
  const labels = Array.from({ length: outputs.rows }, (_, i) => {
    let best = 0;
    let total = 0;
    for (let c = 0; c < k; c++) {
      const score = outputs.data[i * k + c]! + offsets[c]!;
      if (score > outputs.data[i * k + best]! + offsets[best]!) best = c;
      // f_k + offset_k estimates P(class k) under squared loss: clipped and renormalised as the report's log-loss reads it.
      probabilities[c]![i] = probabilityWeight(score);
      total += probabilities[c]![i]!;
    }
    for (let c = 0; c < k; c++) probabilities[c]![i]! /= total;
    return classLabels[best]!;
  });
  return { labels, classLabels, probabilities };
}
