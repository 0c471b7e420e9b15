import { performance } from 'node:perf_hooks';
import { Matrix64 } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { analyzeTwoStage, defaultNetworkSpec, trainTwoStage, type BatchSize, type KernelRank } from '@duality/trainer';
import { biobankDesign, type BiobankSpec } from './biobank-generator.js';

/** What one in-process analysis of a generated wide table cost, and what it decided. */
export interface WideEngineRun {
  nTrain: number;
  columns: number;
  /** Generating the design in memory (not part of the engine). */
  generateSeconds: number;
  /** analyzeTwoStage: kernel, fit, decision. */
  analyzeSeconds: number;
  kernelSeconds: number;
  /** Peak resident memory of this process so far (VmHWM). */
  peakBytes: number;
  kernel: string;
  logP: number;
  train: boolean;
  remlSteps: number;
  looSteps: number;
}

/** Rows [from, to) as a view. */
function rows(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix64(to - from, m.cols, m.data.subarray(from * m.cols, to * m.cols));
}

/**
 * The CLI's analysis path without the file: a generated design (80% training rows, 20% test, as the CLI splits),
 * the default network, `analyzeTwoStage` with the CLI's defaults. Measures the engine apart from reading.
 */
export async function wideEngineRun(spec: BiobankSpec, rank: KernelRank = 'auto'): Promise<WideEngineRun> {
  await initTensorflow();
  const t0 = performance.now();
  const { x, y } = biobankDesign(spec);
  const nTrain = Math.round(0.8 * spec.rows);
  const generateSeconds = (performance.now() - t0) / 1000;
  const network = buildNetwork(defaultNetworkSpec(x.cols), { seed: 0 });
  const t1 = performance.now();
  try {
    const analysis = await analyzeTwoStage(network, rows(x, 0, nTrain), y.subarray(0, nTrain), {
      test: { x: rows(x, nTrain, spec.rows), y: y.subarray(nTrain) },
      rank,
    });
    const { decision, stopping, kernel } = analysis;
    return {
      nTrain,
      columns: x.cols,
      generateSeconds,
      analyzeSeconds: (performance.now() - t1) / 1000,
      kernelSeconds: kernel.seconds,
      peakBytes: peakResidentBytes(),
      kernel: kernel.lowRank ? `rank ${kernel.lowRank.rank}` : 'dense',
      logP: decision.test.logP,
      train: decision.train,
      remlSteps: stopping.rules.reml.steps,
      looSteps: stopping.rules.loo.steps,
    };
  } finally {
    network.dispose();
  }
}

/** What one in-process `trainTwoStage` on a generated wide table cost, and where it stopped. */
export interface WideTrainRun {
  nTrain: number;
  /** trainTwoStage end to end: kernel, decision, training, report. */
  seconds: number;
  trainingSeconds: number;
  steps: number;
  batchSize: number;
  batchRule: string;
  testLoss?: number;
  peakBytes: number;
}

/** The CLI's `train` path without the file: the rule's run on a generated design, with the batch rule given. */
export async function wideTrainRun(spec: BiobankSpec, batchSize: BatchSize = 'auto'): Promise<WideTrainRun> {
  await initTensorflow();
  const { x, y } = biobankDesign(spec);
  const nTrain = Math.round(0.8 * spec.rows);
  const network = buildNetwork(defaultNetworkSpec(x.cols), { seed: 0 });
  const started = performance.now();
  try {
    const { report, network: trained } = await trainTwoStage(network, rows(x, 0, nTrain), y.subarray(0, nTrain), {
      test: { x: rows(x, nTrain, spec.rows), y: y.subarray(nTrain) },
      batchSize,
    });
    trained.dispose();
    const { training } = report;
    return {
      nTrain,
      seconds: (performance.now() - started) / 1000,
      trainingSeconds: training.seconds,
      steps: training.steps,
      batchSize: training.batchSize ?? nTrain,
      batchRule: training.batchRule ?? '',
      testLoss: training.finalTestLoss,
      peakBytes: peakResidentBytes(),
    };
  } finally {
    network.dispose();
  }
}

/** This process's peak resident memory (Linux VmHWM), or 0 where /proc is missing. */
export function peakResidentBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
