import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Matrix64 } from '@duality/linalg-core';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { defaultNetworkSpec, GradientDescent, LossProbe, type TwoStageReport } from '@duality/trainer';
import type { BenchSuite, Invariant } from '../harness.js';
import { publishedCase } from '../published-data.js';

/** The published Python toolkit's whole pipeline on the published case, recorded on this machine kind (issue 12). */
const PUBLISHED_TOOLKIT_SECONDS = 20.6 * 60;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `duality train` as a user runs it, in a child process; wall seconds and its report. */
async function trainCommand(csv: string, hidden: string, dir: string): Promise<{ seconds: number; report: TwoStageReport }> {
  const out = join(dir, 'run');
  const args = ['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/cli/src/main.ts'), 'train', csv, '--target', 'y'];
  const started = performance.now();
  await promisify(execFile)('node', [...args, '--hidden', hidden, '--no-standardize', '--out', out, '--quiet'], { cwd: root });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as TwoStageReport };
}

/** A plain fixed-budget loop on the same data and network: `steps` full-batch steps at the rule's learning rate. */
function fixedBudget(x: Matrix64, y: Matrix64, hidden: number[], learningRate: number, steps: number) {
  const network = buildNetwork(defaultNetworkSpec(x.cols, hidden), { seed: 0 });
  const run = new GradientDescent(network, x, y, learningRate);
  const probe = new LossProbe(x, y);
  const started = performance.now();
  run.step(steps);
  const loss = probe.loss(run.forward); // reads the weights back: the steps have finished
  const seconds = (performance.now() - started) / 1000;
  [run, probe, network].forEach((d) => d.dispose());
  return { seconds, loss };
}

export const endToEndSuite: BenchSuite = {
  name: 'end-to-end',
  description: 'the whole `duality train` command on the published case vs the published toolkit\'s recorded pipeline and a plain fixed-budget loop',
  async run(ctx) {
    const tfjs = await initTensorflow();
    const hidden = ctx.quick ? [32, 32] : [500, 500];
    const budgets = ctx.quick ? [200] : [1000, 5000];
    const dir = mkdtempSync(join(tmpdir(), 'duality-e2e-'));
    try {
      const data = publishedCase(600, 1);
      const csv = join(dir, 'published.csv');
      writeFileSync(csv, data.csv);
      const train = await trainCommand(csv, hidden.join(','), dir);
      const { report } = train;
      ctx.log(`duality train: ${train.seconds.toFixed(1)} s, ${report.decision.steps} steps`);
      const rows: (string | number)[][] = [
        ['`duality train` (whole command: read, kernel, test, rule, train, save, report)', report.decision.steps, train.seconds.toFixed(1), '1.00', (report.training.finalTestLoss ?? NaN).toPrecision(4)],
        ['published toolkit pipeline (recorded, 50,000 epochs)', 50_000, PUBLISHED_TOOLKIT_SECONDS.toFixed(0), (PUBLISHED_TOOLKIT_SECONDS / train.seconds).toFixed(1), '0.1250 (its own split)'],
      ];
      for (const steps of budgets) {
        const plain = fixedBudget(data.x, data.y, hidden, report.learningRate, steps);
        ctx.log(`plain ${steps} steps: ${plain.seconds.toFixed(1)} s`);
        rows.push([`plain GradientDescent.step(${steps}), same network and η`, steps, plain.seconds.toFixed(1), (plain.seconds / train.seconds).toFixed(2), `train ${plain.loss.toPrecision(4)}`]);
      }
      const invariants: Invariant[] = [
        { name: 'the command trains to the rule\'s stop and no further', ok: report.training.trainedTo === report.decision.steps, detail: `trained to ${report.training.trainedTo}, stop ${report.decision.steps}` },
        { name: 'finite test loss at the stop', ok: Number.isFinite(report.training.finalTestLoss ?? NaN), detail: String(report.training.finalTestLoss) },
      ];
      return {
        tables: [
          {
            title: `Published case (600 rows, 480 for training), MLP 10→${hidden.join('→')}→1: the whole command against fixed budgets`,
            columns: ['run', 'steps', 'wall s', 'time / duality train', 'test ½MSE'],
            rows,
            notes: [
              `\`duality train published.csv --target y --hidden ${hidden.join(',')} --no-standardize\`, every other option at its default (no comparators), TF.js backend ${tfjs.backend} in this process.`,
              'The plain loops run in this process on all 600 rows (one step costs about 600/480 of the command\'s); timings on a 2-core machine: read the ratios.',
            ],
          },
        ],
        invariants,
        data: { train: { seconds: train.seconds, decision: report.decision, stops: report.stops }, rows },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
