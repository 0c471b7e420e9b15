import { gemm, Matrix64, normalGenerator } from '@duality/linalg-core';
import { pathAt, predictAt } from '@duality/mixed-model';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeTwoStage, defaultNetworkSpec, interceptAndColumns, kernelCurves, linearDesign, linearModelSection, resolveFixedEffects, TrainerInputError, trainTwoStage, withLinearPart } from './index.js';
import { gradientDescentTime } from './time.js';

/*
 * Fixed effects 'linear' (math.md §7.3): the design, its refusal, and training what was tested: in the kernel regime
 * the network trained on y − Xβ̂(t̂) plus x*ᵀβ̂(t̂) is the BLUP with fixed effects (§2.2), in sample and at new points.
 */

function gaussian(rows: number, cols: number, next: () => number): Matrix64 {
  return new Matrix64(rows, cols, Float64Array.from({ length: rows * cols }, next));
}

/** y = 0.5 + x·b + strength·sin(2 x0 x1) + 0.3·noise on Gaussian features; `rows` training and `testRows` test rows. */
function table(rows: number, testRows: number, d: number, strength: number, seed: number) {
  const next = normalGenerator(seed);
  const b = Float64Array.from({ length: d }, next);
  const make = (count: number) => {
    const x = gaussian(count, d, next);
    const y = Float64Array.from({ length: count }, (_, i) => {
      let s = 0.5;
      for (let j = 0; j < d; j++) s += x.get(i, j) * b[j]!;
      return s + strength * Math.sin(2 * x.get(i, 0) * x.get(i, 1)) + 0.3 * next();
    });
    return { x, y: Matrix64.column(y) };
  };
  return { train: make(rows), test: make(testRows) };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

beforeAll(async () => {
  await initTensorflow();
});

describe('the linear design (math.md §7.3)', () => {
  it('drops a feature the intercept and earlier features span, and names n, p and the fix when m is too small', () => {
    const x = gaussian(80, 4, normalGenerator(1));
    for (let i = 0; i < 80; i++) x.set(i, 2, 3 - 2 * x.get(i, 0)); // a combination of the intercept and column 0
    const { design, kept, dropped } = linearDesign(x);
    expect(kept).toEqual([0, 1, 3]);
    expect(dropped).toEqual([2]);
    expect(design.cols).toBe(4);
    expect(Array.from(design.row(5))).toEqual([1, x.get(5, 0), x.get(5, 1), x.get(5, 3)]);
    const wide = gaussian(60, 20, normalGenerator(2));
    expect(() => linearDesign(wide)).toThrow(TrainerInputError);
    expect(() => linearDesign(wide)).toThrow(/n = 60 training rows and p = 21 columns .* m = n − p = 39 .* m ≥ max\(50, p\) = 50\. Use fewer features \(--features\) or --fixed-effects intercept/);
    expect(() => linearDesign(gaussian(30, 40, normalGenerator(3)))).toThrow(/p = 41 columns .* m = n − p = -11/);
  });

  it('the analysis finds the same dependent features on the fit’s own QR, without factoring [1, x] first', async () => {
    const x = gaussian(90, 4, normalGenerator(6));
    for (let i = 0; i < 90; i++) x.set(i, 2, 3 - 2 * x.get(i, 0));
    const y = gaussian(90, 1, normalGenerator(7));
    const network = buildNetwork(defaultNetworkSpec(4), { seed: 1 });
    const analysis = await analyzeTwoStage(network, x, y, { fixedEffects: 'linear', kernel: 'analytic' });
    network.dispose();
    const expected = linearDesign(x);
    expect(analysis.linear!.kept).toEqual(expected.kept);
    expect(analysis.linear!.dropped).toEqual(expected.dropped);
    expect(analysis.linear!.design.data).toEqual(expected.design.data);
    expect(analysis.fit.designProjections!.cols).toBe(4);
    expect(analysis.decision.test.m).toBe(90 - 4);
  });

  it("resolveFixedEffects('linear') is the design [1, x] under the column name 'features'", () => {
    const x = gaussian(70, 3, normalGenerator(4));
    const y = gaussian(70, 1, normalGenerator(5));
    const resolved = resolveFixedEffects('linear', new Matrix64(70, 1), y, 'zero', x);
    expect(resolved.columns).toEqual(['features']);
    expect(resolved.design!.data).toEqual(interceptAndColumns(x, [0, 1, 2]).data);
  });
});

describe('training what was tested: the kernel-regime limit is the BLUP with fixed effects (math.md §2.2)', () => {
  it('the design-free path of y − Xβ̂(t̂) plus Xβ̂(t̂) equals the BLUP in sample and at test rows, to float64 rounding', async () => {
    const { train, test } = table(120, 40, 4, 1.5, 7);
    const network = buildNetwork(defaultNetworkSpec(4), { seed: 3 });
    const analysis = await analyzeTwoStage(network, train.x, train.y, { fixedEffects: 'linear', kernel: 'analytic', test });
    network.dispose();
    expect(analysis.decision.test.m).toBe(120 - 5);
    expect(analysis.decision.rule.usedDesign).toBe(true);
    expect(analysis.decision.train).toBe(true); // the sine is far beyond linear
    const shifted = withLinearPart(analysis, { featureNames: ['a', 'b', 'c', 'd'] });
    const part = shifted.linearPart!;
    expect(part.steps).toBe(analysis.decision.rule.stop.steps);
    expect(part.featureNames).toEqual(['a', 'b', 'c', 'd']);
    const time = gradientDescentTime(analysis.learningRate, analysis.largestEigenvalue).time(part.steps);
    const blup = pathAt(analysis.fit, time);
    expect(blup.fixedEffects!.data).toEqual(Float64Array.from([part.intercept[0]!, ...part.coefficients.map((c) => c[0]!)]));
    const design = interceptAndColumns(train.x, [0, 1, 2, 3]);
    const linearPart = gemm(design, blup.fixedEffects!);
    const inSample = pathAt(shifted.fit, time, { useDesign: false }).fitted!.data.map((v, i) => v + linearPart.data[i]!);
    expect(maxDifference(inSample, blup.fitted!.data)).toBeLessThan(1e-12);
    // At the test rows: the kernel curves' prediction (what the network is predicted to do) plus x*ᵀβ̂.
    const testDesign = interceptAndColumns(test.x, [0, 1, 2, 3]);
    const linearNew = gemm(testDesign, blup.fixedEffects!);
    const networkNew = kernelCurves(shifted).testPredictions(part.steps)!;
    const blupNew = predictAt(analysis.fit, time, { f0New: analysis.kernel.f0Test, designNew: testDesign });
    expect(maxDifference(networkNew.data.map((v, i) => v + linearNew.data[i]!), blupNew.data)).toBeLessThan(1e-12);
    // The shifted targets make every loss downstream the whole predictor's.
    expect(maxDifference(shifted.test!.y.data.map((v, i) => v + linearNew.data[i]!), test.y.data)).toBeLessThan(1e-14);
    expect(shifted.targets!.y).toBe(analysis.y);
  });
});

describe('the linear model beside the network', () => {
  it('on a target linear in the features its test RMSE is the noise sd to sampling error; with a sine the network’s kernel model wins', () => {
    const linearTable = table(300, 2000, 5, 0, 11);
    const section = linearModelSection(linearTable.train.x, linearTable.train.y, linearTable.test, 'loo', 0.5 * 0.3 ** 2);
    // Noise sd 0.3; the estimate from 2,000 test rows has relative sd ≈ 1/√4000, the fit's excess ≈ p/n = 2%.
    expect(section.testRmse!).toBeGreaterThan(0.3 * 0.97);
    expect(section.testRmse!).toBeLessThan(0.3 * 1.06);
    expect(section.networkTestRmse).toBeCloseTo(0.3, 12);
    expect(section.verdict).toMatch(/the network and the linear model do equally well|linear model beats the network|network beats the linear model: its RMSE is [0-5]\.\d% lower/);
    const sine = table(300, 500, 5, 1.5, 12);
    const worse = linearModelSection(sine.train.x, sine.train.y, sine.test, 'loo', 0.5 * 0.3 ** 2);
    expect(worse.testRmse!).toBeGreaterThan(0.6);
    expect(worse.verdict).toMatch(/^the network beats the linear model on the test rows: its RMSE is \d+\.\d% lower$/);
    const wide = table(30, 10, 40, 0, 13);
    expect(linearModelSection(wide.train.x, wide.train.y, wide.test, 'loo', 0.1)).toEqual({ rule: 'loo', time: 0, outcome: 'zero', verdict: 'no linear model: its 30 feature directions leave no residual among n = 30 rows' });
  });
});

describe("trainTwoStage with fixed effects 'linear'", () => {
  it('trains the network on what the linear part leaves: the measured test loss is the whole predictor’s, near the kernel model’s', async () => {
    const { train, test } = table(150, 60, 3, 1.5, 21);
    const network = buildNetwork(defaultNetworkSpec(3), { seed: 4 });
    const { report, network: trained } = await trainTwoStage(network, train.x, train.y, { fixedEffects: 'linear', test, maxSteps: 2000 });
    trained.dispose();
    network.dispose();
    expect(report.fixedEffects).toEqual(['features']);
    expect(report.decision.train).toBe(true);
    const part = report.linearPart!;
    expect(part.coefficients.length).toBe(3);
    expect(part.steps).toBe(report.decision.steps);
    // The network trained on y − Xβ̂ and measured against test.y − X*β̂: its loss is that of x*ᵀβ̂ + f, which the
    // kernel model predicts (a finite network in float32 drifts a little from it).
    const atStop = report.stops.find((s) => s.rule === report.decision.rule)!;
    expect(Math.abs(report.training.finalTestLoss! / atStop.kernelTestLoss! - 1)).toBeLessThan(0.1);
    expect(report.linearModel!.testRmse).toBeGreaterThan(0);
    expect(report.linearModel!.networkTestRmse).toBeCloseTo(Math.sqrt(2 * report.training.finalTestLoss!), 12);
  });

  it('refuses a class target (the accuracy tables read the network alone)', async () => {
    const { train } = table(120, 0, 3, 0, 22);
    const network = buildNetwork({ ...defaultNetworkSpec(3), outputDim: 2 }, { seed: 1 });
    const y = new Matrix64(120, 2, Float64Array.from({ length: 240 }, (_, q) => (q % 2 === (train.y.data[q >> 1]! > 0.5 ? 0 : 1) ? 0.5 : -0.5)));
    await expect(trainTwoStage(network, train.x, y, { fixedEffects: 'linear', classes: { names: ['a', 'b'], offsets: [0.5, 0.5] } })).rejects.toThrow(
      /fixed effects linear with a class target/,
    );
    network.dispose();
  });
});
