import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix64 } from '@duality/linalg-core';
import { drawProblem, isotropicData, ntkRichness, simulateNetwork, trainProblem, type SimulationOptions } from '@duality/linear-dynamics';
import { buildNetwork, initTensorflow } from '@duality/ntk';
import { GradientDescent, LossProbe } from '@duality/trainer';
import { describeFailure } from '../errors.js';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../program.js';
import { logSpacedSteps } from './dynamics.js';

async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  await (await createProgram({ write: (t) => lines.push(t) })).parseAsync(['node', 'duality', 'dynamics', ...args]);
  return lines.join('\n');
}

const small = ['--input-dim', '30', '--steps', '9', '--seeds', '2', '--noise', '0.3'];

describe('duality dynamics', () => {
  it('prints DMFT and simulation side by side at log-spaced steps', async () => {
    const text = await run(small);
    expect(text).toContain('L = 2, ν = 1, γ₀ = 1, η₀ = 0.1');
    const rows = text.split('\n').slice(3);
    expect(rows.map((r) => Number(r.trim().split(/\s+/)[0]))).toEqual([0, 1, 2, 4, 8]);
    // at t = 0 the DMFT test loss is exactly 1 + 1/(γ₀²ν) + σ²
    expect(Number(rows[0]!.trim().split(/\s+/)[1])).toBeCloseTo(2.09, 10);
  });

  it('--json gives the seed average of simulateNetwork, and --out writes every step to curves.csv', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'duality-dynamics-')), 'run');
    const json = JSON.parse(await run([...small, '--branch-scale', '0.8', '--depth-scaled-branch', '--json', '--out', out]));
    const network = { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1, residual: { branchScale: 0.8 / Math.sqrt(2) } };
    const options = { data: isotropicData({ noise: 0.3 }), sampling: { kind: 'repeated', samplesPerDim: 2 } as const, network, inputDim: 30, steps: 9 };
    const [a, b] = [0, 1].map((seed) => simulateNetwork({ ...options, seed }).testLoss);
    expect(json.steps).toEqual([0, 1, 2, 4, 8]);
    json.steps.forEach((t: number, i: number) => expect(json.simulation.test.mean[i]).toBeCloseTo((a![t]! + b![t]!) / 2, 12));
    const csv = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n');
    // The plot page: one inline SVG with the theory lines and the simulated points, no NaN anywhere.
    const page = readFileSync(join(out, 'dynamics.html'), 'utf8');
    expect(page.match(/<svg/g)).toHaveLength(1);
    expect(page).toMatch(/<path[^>]+d="M/);
    expect(page).not.toMatch(/NaN|Infinity/);
    expect(csv).toHaveLength(10);
    expect(Number(csv[9]!.split(',')[2])).toBeCloseTo(json.simulation.test.mean[4], 12);
  });

  it('refuses a non-empty --out folder unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duality-dynamics-'));
    writeFileSync(join(dir, 'keep.txt'), 'x');
    await expect(run([...small, '--out', dir])).rejects.toThrow(/not empty/);
    await run([...small, '--out', dir, '--force']);
    expect(readFileSync(join(dir, 'curves.csv'), 'utf8')).toMatch(/^step,theory_test/);
  });

  it('names bad options, and passes the package’s input errors on as usage errors', async () => {
    await expect(run(['--depth', '0'])).rejects.toThrow(/--depth must be a positive integer/);
    await expect(run(['--parameterisation', 'ntk', '--richness', '2'])).rejects.toThrow(/--richness is fixed/);
    const out = join(mkdtempSync(join(tmpdir(), 'duality-dyn-')), 'diverged');
    await expect(run([...small, '--learning-rate', '100', '--out', out])).rejects.toThrow(/the loss diverges at step \d+ .*lower --learning-rate/);
    expect(existsSync(out)).toBe(false);
    await expect(run(['--data', 'powerlaw', '--input-dim', '20', '--modes', '50'])).rejects.toThrow(/--modes 50 exceeds/);
    // The package's own input error reaches the top level as a user error: one line, exit code 2.
    const packageError = await run(['--input-dim', '3', '--width-ratio', '0.1', '--steps', '2']).catch((err: unknown) => err);
    expect(describeFailure(packageError)).toMatchObject({ code: 2, line: expect.stringMatching(/too small/) });
  });

  it('log-spaced steps end at the last step', () => {
    expect(logSpacedSteps(1)).toEqual([0]);
    expect(logSpacedSteps(10)).toEqual([0, 1, 2, 4, 8, 9]);
  });
});

describe('a deep linear network under the NTK parameterisation is an ntk MLP, trained by the trainer', () => {
  it('trainer GradientDescent gives the simulator’s train losses step for step (γ₀ = 1/√ν, η = η₀D)', async () => {
    await initTensorflow();
    const [D, widthRatio, learningRate] = [12, 2, 0.1];
    const options: SimulationOptions = {
      data: isotropicData({ noise: 0.3 }),
      sampling: { kind: 'repeated', samplesPerDim: 2 },
      network: { depth: 2, widthRatio, richness: ntkRichness(widthRatio), learningRate },
      inputDim: D,
      steps: 15,
      seed: 2,
    };
    const problem = drawProblem(options);
    const N = problem.width;
    const P = problem.samples;
    // f = w·h²/√N with h² = W¹h¹/√N, h¹ = W⁰x/√D: the ntk package's 'ntk' MLP, identity activation, no biases
    const spec = { inputDim: D, hiddenWidths: [N, N], activation: { name: 'identity' as const }, weightStd: 1, biasStd: 0, parameterisation: 'ntk' as const, outputDim: 1, useBias: false };
    // The simulator and its DMFT theory describe the raw network, random initial output included.
    const network = buildNetwork(spec, { seed: 5, initialOutput: 'keep' });
    // the simulator starts from the MLP's own initial weights (its a·W layout stores Wᵀ)
    const weights = network.layers.map((layer) => Float64Array.from(layer.kernel.dataSync()));
    const transposed = (W: Float64Array, rows: number, cols: number) => new Matrix64(rows, cols, W).transpose().data;
    problem.inputWeights.set(transposed(weights[0]!, D, N));
    problem.hiddenWeights[0]!.set(transposed(weights[1]!, N, N));
    problem.readout.set(weights[2]!);
    const x = new Matrix64(P, D, problem.batch!.inputs);
    const y = Matrix64.column(problem.batch!.targets);
    // raw learning rate η₀γ₀²N = η₀D
    const descent = new GradientDescent(network, x, y, learningRate * D);
    const probe = new LossProbe(x, y);
    const { trainLoss } = trainProblem(problem, options);
    try {
      for (let t = 0; t < options.steps; t++) {
        expect(Math.abs(2 * probe.loss(descent.forward) - trainLoss[t]!)).toBeLessThan(2e-5 * trainLoss[t]!);
        descent.step();
      }
      expect(trainLoss[options.steps - 1]!).toBeLessThan(0.3 * trainLoss[0]!);
    } finally {
      descent.dispose();
      probe.dispose();
      network.dispose();
    }
  });
});
