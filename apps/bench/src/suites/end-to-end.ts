import { performance } from 'node:perf_hooks';
import { Matrix64 } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, type MlpSpec } from '@duality/ntk';
import { loadBundledDataset, prepareDesign } from '@duality/tabular';
import { GradientDescent, LossProbe, trainTwoStage } from '@duality/trainer';
import type { BenchSuite, Invariant } from '../harness.js';

function networkSpec(inputDim: number, width: number): MlpSpec {
  return { inputDim, hiddenWidths: [width, width], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 1 };
}

export const endToEndSuite: BenchSuite = {
  name: 'end-to-end',
  description: 'wall time of trainTwoStage (kernel, test, REML, training to t̂) vs a plain train-for-N-steps loop, same run',
  async run(ctx) {
    const tfjs = await initTensorflow();
    const width = ctx.quick ? 32 : 64;
    const fixedSteps = ctx.quick ? [300] : [1000, 5000];
    const data = loadBundledDataset('cars');
    const design = prepareDesign(data.table, { target: data.target, features: data.features, seed: 1, testFraction: 0.2 });
    const spec = networkSpec(design.train.x.cols, width);
    const y = Matrix64.column(design.train.y);
    const probe = new LossProbe(design.train.x, y);
    const testProbe = new LossProbe(design.test.x, Matrix64.column(design.test.y));
    const invariants: Invariant[] = [];
    try {
      // Two-stage with the trainer's defaults: the rule alone, the real network trained to its stop and no further.
      const network = buildNetwork(spec, { seed: 1 });
      const started = performance.now();
      const { report, network: trained } = await trainTwoStage(network, design.train.x, design.train.y, { curvePoints: 8 });
      const twoStageSeconds = (performance.now() - started) / 1000;
      const twoStageLoss = probe.loss((x) => trained.forwardWith(trained.parameters(), x));
      const twoStageTestLoss = testProbe.loss((x) => trained.forwardWith(trained.parameters(), x));
      trained.dispose();
      network.dispose();
      ctx.log(`two-stage: ${report.decision.steps} steps, ${twoStageSeconds.toFixed(2)} s (kernel ${report.kernel.seconds.toFixed(2)} s)`);

      const rows: (string | number)[][] = [
        ['two-stage (trainTwoStage)', report.decision.steps, twoStageSeconds.toFixed(2), '1.00', twoStageLoss.toPrecision(4), twoStageTestLoss.toPrecision(4)],
      ];
      for (const steps of fixedSteps) {
        const plain = buildNetwork(spec, { seed: 1 });
        const run = new GradientDescent(plain, design.train.x, y, report.learningRate);
        const t0 = performance.now();
        run.step(steps);
        const loss = probe.loss(run.forward); // reads the weights back: the steps have finished
        const seconds = (performance.now() - t0) / 1000;
        const testLoss = testProbe.loss(run.forward);
        run.dispose();
        plain.dispose();
        ctx.log(`plain ${steps} steps: ${seconds.toFixed(2)} s`);
        rows.push([`plain GradientDescent.step(${steps})`, steps, seconds.toFixed(2), (seconds / twoStageSeconds).toFixed(2), loss.toPrecision(4), testLoss.toPrecision(4)]);
        invariants.push({ name: `finite training loss after ${steps} plain steps`, ok: Number.isFinite(loss), detail: `loss ${loss}` });
      }
      invariants.push({ name: 'finite training loss at the two-stage stop', ok: Number.isFinite(twoStageLoss), detail: `loss ${twoStageLoss}` });
      invariants.push({
        name: 'the two-stage run stops at the REML steps when the test rejects',
        ok: !report.test.reject || report.decision.steps === Math.min(report.reml.steps, report.decision.cappedAt ?? Infinity),
        detail: `reject ${report.test.reject}, REML steps ${report.reml.steps}, trained ${report.decision.steps}`,
      });
      return {
        tables: [
          {
            title: `cars (${design.train.y.length} training rows): two-stage rule vs a fixed step budget, MLP 2×${width} ReLU (NTK parameterisation)`,
            columns: ['run', 'steps', 'wall s', 'time / two-stage', 'train loss (½ MSE, standardised)', 'test loss'],
            rows,
            notes: [
              `Same process, same learning rate η = ${report.learningRate} (the rule's 1/λ1), TF.js backend ${tfjs.backend}; test p = ${report.test.p.toExponential(2)}, REML t̂ = ${report.reml.steps} steps.`,
              `two-stage wall time includes the empirical NTK (${report.kernel.seconds.toFixed(2)} s), its eigendecomposition, the test, REML and the training; no validation comparator.`,
              'Timings on a 2-core machine shared with other jobs: read the ratio, not the seconds.',
            ],
          },
        ],
        invariants,
        data: { twoStageSeconds, report: { learningRate: report.learningRate, reml: report.reml.steps, decision: report.decision, kernelSeconds: report.kernel.seconds }, rows },
      };
    } finally {
      probe.dispose();
      testProbe.dispose();
    }
  },
};
