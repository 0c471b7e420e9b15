import { performance } from 'node:perf_hooks';
import { lowRankSpectrum, Matrix64, normalGenerator } from '@duality/linalg-core';
import { fitSpectral, scoreTest } from '@duality/mixed-model';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { analyzeTwoStage, defaultNetworkSpec, linearDesign, type FixedEffects } from '@duality/trainer';
import { biobankDesign } from './biobank-generator.js';
import { peakResidentBytes } from './wide-engine.js';

/*
 * Issue 25's scale checks, one process each (node --conditions=@duality/source --import tsx
 * apps/bench/src/beyond-linear-scale-main.ts MODE …):
 *
 *   analysis ROWS COLUMNS [RANK] [auto,linear]: analyzeTwoStage (kernel, test, every rule) on a generated biobank-like
 *     table (80% training rows), plain and with fixed effects 'linear', in the order given.
 *   test N R P: the engine's part of the beyond-linear test alone on a rank-R factor (math.md §6, §7.3): the low-rank
 *     fit and the score test without a design, then the linear design's QR, the fit with it and the test.
 */

const seconds = (from: number) => (performance.now() - from) / 1000;

async function analysisMode(rows: number, columns: number, rank: string, order: string): Promise<void> {
  await initTensorflow();
  const { x, y } = biobankDesign({ rows, columns, seed: 1 });
  const nTrain = Math.round(0.8 * rows);
  const train = new Matrix64(nTrain, x.cols, x.data.subarray(0, nTrain * x.cols));
  for (const fixedEffects of order.split(',') as FixedEffects[]) {
    const network = buildNetwork(defaultNetworkSpec(x.cols), { seed: 0 });
    const started = performance.now();
    const analysis = await analyzeTwoStage(network, train, y.subarray(0, nTrain), { fixedEffects, rank: rank === 'auto' || rank === 'full' ? rank : Number(rank) });
    network.dispose();
    const { decision, stopping, kernel } = analysis;
    const test = decision.test;
    console.log(JSON.stringify({ fixedEffects, nTrain, columns: x.cols, seconds: seconds(started), kernelSeconds: kernel.seconds, kernel: kernel.lowRank ? `rank ${kernel.lowRank.rank}` : 'dense', p: test.projectedColumns, m: test.m, logP: test.logP, looSteps: stopping.rules.loo.steps, peakGB: peakResidentBytes() / 1e9 }));
  }
}

function testMode(n: number, r: number, p: number): void {
  const next = normalGenerator(5);
  const x = new Matrix64(n, p - 1, Float64Array.from({ length: n * (p - 1) }, next));
  const f = new Matrix64(n, r, Float64Array.from({ length: n * r }, () => next() / Math.sqrt(n * r)));
  const y = Float64Array.from({ length: n }, (_, i) => x.data[i * (p - 1)]! + next());
  let started = performance.now();
  const spectrum = lowRankSpectrum(f);
  const spectrumSeconds = seconds(started);
  const lowRank = { values: spectrum.values, vectors: spectrum.vectors };
  started = performance.now();
  const plain = scoreTest(fitSpectral({ lowRank, y }));
  const plainSeconds = seconds(started);
  started = performance.now();
  const { design } = linearDesign(x);
  const designSeconds = seconds(started);
  started = performance.now();
  const fit = fitSpectral({ lowRank, y, design });
  const fitSeconds = seconds(started);
  started = performance.now();
  const linear = scoreTest(fit);
  const testSeconds = seconds(started);
  console.log(JSON.stringify({ n, r, p, spectrumSeconds, plainFitAndTestSeconds: plainSeconds, plainLogP: plain.logP, linearDesignQrSeconds: designSeconds, fitWithDesignSeconds: fitSeconds, beyondLinearTestSeconds: testSeconds, m: linear.m, logP: linear.logP, peakGB: peakResidentBytes() / 1e9 }));
}

const [mode = 'analysis', ...args] = process.argv.slice(2);
if (mode === 'test') testMode(Number(args[0] ?? 20000), Number(args[1] ?? 500), Number(args[2] ?? 500));
else await analysisMode(Number(args[0] ?? 5000), Number(args[1] ?? 200), args[2] ?? 'auto', args[3] ?? 'auto,linear');
