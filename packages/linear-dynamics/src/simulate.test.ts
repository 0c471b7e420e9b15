import { describe, expect, it } from 'vitest';
import { isotropicData, mixtureData, type DataModel, type Sampling } from './data.js';
import { LinearDynamicsInputError } from './errors.js';
import type { NetworkSpec } from './network.js';
import { drawProblem, simulateNetwork, trainProblem, type DrawnProblem, type SimulationOptions } from './simulate.js';

/**
 * Plain GD on the network as written in spec §1.2: per-sample forward passes, backpropagation through every
 * layer, raw learning rate η₀γ₀²N on (1/2P)Σ(y − f)². β is read off by evaluating f on the basis vectors.
 */
function naiveGd(problem: DrawnProblem, options: SimulationOptions): { test: number[]; train: number[] } {
  const { network: net, inputDim: D, steps, data } = options;
  const N = problem.width;
  const P = problem.samples;
  const residual = net.residual !== undefined;
  const branch = net.residual?.branchScale ?? 1;
  let W0 = problem.inputWeights.slice();
  let Ws = problem.hiddenWeights.map((W) => W.slice());
  let w = problem.readout.slice();
  const { inputs, targets } = problem.batch!;
  const outScale = Math.sqrt(D) / (net.richness * N);
  const rate = net.learningRate * net.richness ** 2 * N;
  const forward = (x: ArrayLike<number>): Float64Array[] => {
    const hs = [new Float64Array(N)];
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += W0[i * D + k]! * x[k]!;
      hs[0]![i] = s / Math.sqrt(D);
    }
    for (const W of Ws) {
      const h = hs[hs.length - 1]!;
      const next = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += W[i * N + j]! * h[j]!;
        next[i] = (residual ? h[i]! : 0) + (residual ? branch : 1) * (s / Math.sqrt(N));
      }
      hs.push(next);
    }
    return hs;
  };
  const output = (hs: Float64Array[]): number => outScale * hs[hs.length - 1]!.reduce((a, v, i) => a + v * w[i]!, 0);
  const test: number[] = [];
  const train: number[] = [];
  for (let t = 0; t < steps; t++) {
    let loss = 0;
    for (let k = 0; k < D; k++) {
      const basis = new Float64Array(D);
      basis[k] = 1;
      const beta = output(forward(basis)) * Math.sqrt(D);
      loss += problem.eigenvalues[k]! * (problem.target[k]! - beta) ** 2;
    }
    test.push(loss / D + data.noise ** 2);
    const gW0 = new Float64Array(W0.length);
    const gWs = Ws.map((W) => new Float64Array(W.length));
    const gw = new Float64Array(N);
    let trainSum = 0;
    for (let mu = 0; mu < P; mu++) {
      const x = inputs.subarray(mu * D, (mu + 1) * D);
      const hs = forward(x);
      const e = targets[mu]! - output(hs);
      trainSum += e * e;
      const dOut = -e / P;
      let delta = w.map((v) => v * outScale * dOut);
      hs[hs.length - 1]!.forEach((v, i) => (gw[i]! += outScale * dOut * v));
      for (let l = Ws.length - 1; l >= 0; l--) {
        const h = hs[l]!;
        const W = Ws[l]!;
        const scale = (residual ? branch : 1) / Math.sqrt(N);
        const below = new Float64Array(N);
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            gWs[l]![i * N + j]! += scale * delta[i]! * h[j]!;
            below[j]! += scale * W[i * N + j]! * delta[i]!;
          }
        }
        if (residual) below.forEach((_, j) => (below[j]! += delta[j]!));
        delta = below;
      }
      for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) gW0[i * D + k]! += (delta[i]! * x[k]!) / Math.sqrt(D);
    }
    train.push(trainSum / P);
    W0 = W0.map((v, i) => v - rate * gW0[i]!);
    Ws = Ws.map((W, l) => W.map((v, i) => v - rate * gWs[l]![i]!));
    w = w.map((v, i) => v - rate * gw[i]!);
  }
  return { test, train };
}

const twoModes: DataModel = mixtureData(
  [
    { weight: 0.4, eigenvalue: 1.7, targetVariance: 0.6 },
    { weight: 0.6, eigenvalue: 0.5, targetVariance: 1.3 },
  ],
  0.2,
);

describe('simulateNetwork: the one-vector GD step (spec §1.3)', () => {
  const sampling: Sampling = { kind: 'repeated', samplesPerDim: 1.6 };
  const networks: [string, NetworkSpec][] = [
    ['plain L=3', { depth: 3, widthRatio: 1.4, richness: 0.8, learningRate: 0.1 }],
    ['residual L=2', { depth: 2, widthRatio: 1.4, richness: 0.8, learningRate: 0.1, residual: { branchScale: 0.7 } }],
  ];
  for (const [name, network] of networks) {
    it(`equals per-sample backpropagation GD (${name})`, () => {
      const options: SimulationOptions = { data: twoModes, sampling, network, inputDim: 5, steps: 8, seed: 11 };
      const naive = naiveGd(drawProblem(options), options);
      const fast = trainProblem(drawProblem(options), options);
      expect(naive.test[7]!).toBeLessThan(0.8 * naive.test[0]!); // it learns, so the comparison has teeth
      for (let t = 0; t < 8; t++) {
        expect(fast.testLoss[t]!).toBeCloseTo(naive.test[t]!, 10);
        expect(fast.trainLoss[t]!).toBeCloseTo(naive.train[t]!, 10);
      }
    });
  }

  it('folds a long GD history into the weights without changing the result', () => {
    // width 32 flushes the rank-one history every 16 steps; 40 steps cross two flushes
    const options: SimulationOptions = {
      data: isotropicData(),
      sampling: { kind: 'repeated', samplesPerDim: 2 },
      network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.05 },
      inputDim: 32,
      steps: 40,
      seed: 3,
    };
    const short = naiveGd(drawProblem({ ...options }), options);
    const fast = simulateNetwork(options);
    for (let t = 0; t < 40; t += 13) expect(fast.testLoss[t]!).toBeCloseTo(short.test[t]!, 9);
  });

  it('is reproducible from its seed', () => {
    const options: SimulationOptions = {
      data: isotropicData(),
      sampling: { kind: 'online', batchPerDim: 0.5 },
      network: { depth: 2, widthRatio: 2, richness: 0.5, learningRate: 0.1 },
      inputDim: 200,
      steps: 3,
      seed: 5,
    };
    const a = simulateNetwork(options);
    const b = simulateNetwork(options);
    expect(Array.from(a.testLoss)).toEqual(Array.from(b.testLoss));
    const other = simulateNetwork({ ...options, seed: 6 });
    expect(other.testLoss[2]).not.toBe(a.testLoss[2]);
  });

  it('rejects sizes that leave no neurons', () => {
    const options: SimulationOptions = {
      data: isotropicData(),
      sampling: { kind: 'repeated', samplesPerDim: 2 },
      network: { depth: 2, widthRatio: 0.1, richness: 1, learningRate: 0.1 },
      inputDim: 4,
      steps: 3,
      seed: 0,
    };
    expect(() => simulateNetwork(options)).toThrow(LinearDynamicsInputError);
  });

  it('rejects a seed the 32-bit generator would alias', () => {
    const options: SimulationOptions = {
      data: isotropicData(),
      sampling: { kind: 'repeated', samplesPerDim: 2 },
      network: { depth: 2, widthRatio: 1, richness: 1, learningRate: 0.1 },
      inputDim: 4,
      steps: 3,
      seed: 2 ** 32,
    };
    expect(() => drawProblem(options)).toThrow(/seed must be an integer in \[0, 2³²\)/);
    expect(() => drawProblem({ ...options, seed: 1.5 })).toThrow(LinearDynamicsInputError);
  });
});
