import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { loadFloat32Gemm, Matrix64, uniformGenerator, type NativeFloat32Gemm } from '@duality/linalg-core';
import { buildNetwork, initTensorflow, registerBlasBackend, type DenseNetwork, type MlpSpec } from '@duality/ntk';
import { GradientDescent, LossProbe } from '@duality/trainer';
import type { BenchSuite, BenchTable, Invariant } from '../harness.js';

const INPUT_DIM = 10;
const LEARNING_RATE = 0.05;

interface Shape {
  width: number;
  n: number;
}

/** The same MLP for every route: 10 → width → width → 1, ReLU, ntk parameterisation, raw outputs (no centring). */
function spec(width: number): MlpSpec {
  return { inputDim: INPUT_DIM, hiddenWidths: [width, width], activation: { name: 'relu' }, weightStd: Math.SQRT2,
    biasStd: 0.1, parameterisation: 'ntk', outputDim: 1 };
}

function data(n: number): { x: Matrix64; y: Matrix64 } {
  const uniform = uniformGenerator(2024);
  const next = () => 2 * uniform() - 1;
  const x = Matrix64.from(Array.from({ length: n }, () => Array.from({ length: INPUT_DIM }, next)));
  const y = Matrix64.column(Array.from({ length: n }, (_, i) => Math.sin(3 * x.get(i, 0)) + 0.3 * next()));
  return { x, y };
}

/** Median seconds per step: warm up (V8 and the kernels' first-call costs), then timed batches of steps. */
async function secondsPerStep(run: (steps: number) => unknown, quick: boolean): Promise<number> {
  const warmUntil = performance.now() + (quick ? 20 : 700);
  let warmSteps = 0;
  while (warmSteps < 3 || performance.now() < warmUntil) {
    await run(1);
    warmSteps++;
  }
  const t0 = performance.now();
  await run(1);
  const batch = Math.max(1, Math.min(200, Math.round((quick ? 10 : 300) / Math.max(performance.now() - t0, 1e-3))));
  const perStep: number[] = [];
  for (let r = 0; r < (quick ? 1 : 5); r++) {
    const start = performance.now();
    await run(batch);
    perStep.push((performance.now() - start) / 1000 / batch);
  }
  return perStep.sort((p, q) => p - q)[Math.floor(perStep.length / 2)]!;
}

/**
 * One full-batch step through TF.js's gradient tape (tf.train.sgd's minimize), as GradientDescent.step ran before
 * its hand-written backpropagation: the same loss (1/2n)‖g − y‖² and update, for the raw network this suite trains.
 */
class TapeStep {
  private readonly variables: tf.Variable[];
  private readonly optimizer = tf.train.sgd(LEARNING_RATE);

  constructor(private readonly network: DenseNetwork, private readonly x: tf.Tensor2D, private readonly y: tf.Tensor2D) {
    this.variables = network.parameters().map((p) => tf.variable(p.clone()));
  }

  step(count: number): void {
    const g = () => this.network.mlpForward(this.variables, this.x);
    const loss = () => tf.div(tf.sum(tf.squaredDifference(g(), this.y)), 2 * this.x.shape[0]) as tf.Scalar;
    for (let s = 0; s < count; s++) {
      tf.tidy(() => {
        this.optimizer.minimize(loss, false, this.variables);
      });
    }
  }

  forward = (x: tf.Tensor2D): tf.Tensor2D => this.network.forwardWith(this.variables, x);

  dispose(): void {
    tf.dispose(this.variables);
    this.optimizer.dispose();
  }
}

/** A tf.Sequential of Dense layers compiled for full-batch SGD on mean squared error: what users' model.fit runs. */
function sequential(width: number): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const model = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [INPUT_DIM], units: width, activation: 'relu', kernelInitializer: init(1) }),
    tf.layers.dense({ units: width, activation: 'relu', kernelInitializer: init(2) }),
    tf.layers.dense({ units: 1, kernelInitializer: init(3) }),
  ] });
  model.compile({ optimizer: tf.train.sgd(LEARNING_RATE), loss: 'meanSquaredError' });
  return model;
}

interface RouteResult {
  /** Seconds per step, or undefined when only the invariants ran. */
  seconds?: number;
  /** Training loss after the run (timed or `checkSteps`), for agreement across backends. */
  loss: number;
}

type Route = 'gd' | 'tape' | 'fit';

const tensorOf = (m: Matrix64): tf.Tensor2D => tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);

async function runFit(shape: Shape, timed: boolean, quick: boolean, checkSteps: number): Promise<RouteResult> {
  const { x, y } = data(shape.n);
  const probe = new LossProbe(x, y);
  const model = sequential(shape.width);
  const [xt, yt] = [tensorOf(x), tensorOf(y)];
  const fit = (epochs: number) => model.fit(xt, yt, { batchSize: shape.n, epochs, shuffle: false, verbose: 0 });
  const seconds = timed ? await secondsPerStep(fit, quick) : (await fit(checkSteps), undefined);
  const loss = probe.loss((input) => model.predict(input) as tf.Tensor2D) * 2; // model.fit's loss is the plain MSE
  tf.dispose([xt, yt]);
  model.dispose();
  probe.dispose();
  return { seconds, loss };
}

async function runRoute(route: Route, shape: Shape, timed: boolean, quick: boolean, checkSteps = 3): Promise<RouteResult> {
  if (route === 'fit') return runFit(shape, timed, quick, checkSteps);
  const { x, y } = data(shape.n);
  const probe = new LossProbe(x, y);
  const network = buildNetwork(spec(shape.width), { seed: 1, initialOutput: 'keep' });
  const tensors = route === 'tape' ? [tensorOf(x), tensorOf(y)] : [];
  const run = route === 'gd' ? new GradientDescent(network, x, y, LEARNING_RATE) : new TapeStep(network, tensors[0]!, tensors[1]!);
  const seconds = timed ? await secondsPerStep((steps) => run.step(steps), quick) : (run.step(checkSteps), undefined);
  const loss = probe.loss(run.forward);
  run.dispose();
  tf.dispose(tensors);
  network.dispose();
  probe.dispose();
  return { seconds, loss };
}

const PYTORCH_STEP = `
import json, sys, time, torch
config = json.loads(sys.argv[1])
results = {}
for threads in config["threads"]:
    torch.set_num_threads(threads)
    for width, n in config["shapes"]:
        torch.manual_seed(0)
        x, y = torch.rand(n, ${INPUT_DIM}) * 2 - 1, torch.randn(n, 1)
        layers = [torch.nn.Linear(${INPUT_DIM}, width), torch.nn.ReLU(), torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, 1)]
        model = torch.nn.Sequential(*layers)
        optimizer = torch.optim.SGD(model.parameters(), lr=${LEARNING_RATE})
        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = 0.5 * torch.mean((model(x) - y) ** 2)
            loss.backward()
            optimizer.step()
        warm_until = time.perf_counter() + 0.7
        while time.perf_counter() < warm_until: step()
        t0 = time.perf_counter(); step()
        batch = max(1, min(200, round(0.3 / max(time.perf_counter() - t0, 1e-6))))
        per_step = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(batch): step()
            per_step.append((time.perf_counter() - start) / batch)
        results[f"{threads}:{width}x{n}"] = sorted(per_step)[2]
print(json.dumps({"version": torch.__version__, "seconds": results}))
`;

interface PytorchResult {
  python: string;
  version: string;
  seconds: Record<string, number>;
}

/** The first python3 that imports torch: Debian's python3-torch is in /usr/bin/python3, which a pyenv python may shadow. */
function torchPython(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch']).status === 0);
}

/** PyTorch CPU seconds per step at 1 and 2 threads for one shape (run right after TF.js's, under the same load). */
function pytorchSteps(python: string, shape: Shape): PytorchResult | string {
  const config = JSON.stringify({ threads: [1, 2], shapes: [[shape.width, shape.n]] });
  const run = spawnSync(python, ['-c', PYTORCH_STEP, config], { encoding: 'utf8', timeout: 10 * 60_000 });
  if (run.status !== 0) return `PyTorch failed: ${(run.stderr || String(run.error)).trim().split('\n').at(-1)}`;
  return { python, ...(JSON.parse(run.stdout) as Omit<PytorchResult, 'python'>) };
}

const ms = (s: number | undefined) => (s === undefined ? '—' : (s * 1e3).toFixed(s < 0.01 ? 2 : 1));
const ratio = (s: number | undefined, base: number | undefined) => (s === undefined || !base ? '—' : `${(s / base).toFixed(2)}×`);

function relativeGap(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

/** Every route at a small shape on every backend: losses finite, backends agreeing, GD's hand-written step = the tape's. */
async function checkInvariants(backends: string[], shape: Shape): Promise<Invariant[]> {
  const invariants: Invariant[] = [];
  const losses: Record<string, number> = {};
  for (const backend of ['cpu', ...backends]) {
    await tf.setBackend(backend);
    for (const route of ['gd', 'tape', 'fit'] as const) losses[`${backend}:${route}`] = (await runRoute(route, shape, false, true)).loss;
  }
  const finite = Object.values(losses).every(Number.isFinite);
  invariants.push({ name: 'finite losses', ok: finite, detail: JSON.stringify(losses) });
  for (const backend of backends) {
    for (const route of ['gd', 'tape', 'fit'] as const) {
      const gap = relativeGap(losses[`${backend}:${route}`]!, losses[`cpu:${route}`]!);
      invariants.push({ name: `${backend} = cpu (${route}, 3 steps)`, ok: gap < 1e-4, detail: `relative loss gap ${gap.toExponential(2)} (float32: < 1e-4)` });
    }
  }
  const tapeGap = relativeGap(losses['cpu:gd']!, losses['cpu:tape']!);
  invariants.push({ name: 'GradientDescent.step = tape step', ok: tapeGap < 1e-5, detail: `relative loss gap ${tapeGap.toExponential(2)} on cpu` });
  return invariants;
}

/** A backend to time; blas once per OpenBLAS thread count when the count can be set. */
interface Variant {
  backend: string;
  threads?: number;
  label: string;
}

function variants(backends: string[]): Variant[] {
  const { setThreads } = loadFloat32GemmOrNone();
  return backends.flatMap((backend): Variant[] =>
    backend === 'blas' && setThreads
      ? [1, 2].map((threads) => ({ backend, threads, label: `blas ${threads}t` }))
      : [{ backend, label: backend }]);
}

function loadFloat32GemmOrNone(): Partial<NativeFloat32Gemm> {
  try {
    return loadFloat32Gemm();
  } catch {
    return {};
  }
}

interface Timings {
  /** Seconds per step by `variant:route:WIDTHxN`. */
  seconds: Record<string, number | undefined>;
  /** PyTorch's seconds by `threads:WIDTHxN`, or why there are none. */
  torch: PytorchResult | string;
}

async function timeAll(backends: string[], shapes: Shape[], ctx: { quick: boolean; log(line: string): void }): Promise<Timings> {
  const { setThreads, threads: defaultThreads } = loadFloat32GemmOrNone();
  const python = ctx.quick ? undefined : torchPython();
  let torch: PytorchResult | string = ctx.quick ? 'PyTorch not run in --quick mode'
    : python ? { python, version: '', seconds: {} } : 'PyTorch skipped: no python3 here imports torch (apt-get install -y python3-torch)';
  const seconds: Record<string, number | undefined> = {};
  for (const shape of shapes) {
    for (const { backend, threads, label } of variants(backends)) {
      await tf.setBackend(backend);
      if (threads) setThreads!(threads);
      for (const route of ['gd', 'tape', 'fit'] as const) {
        const result = await runRoute(route, shape, true, ctx.quick);
        seconds[`${label}:${route}:${shape.width}x${shape.n}`] = result.seconds;
        ctx.log(`width ${shape.width}, n ${shape.n}, ${label} ${route}: ${ms(result.seconds)} ms/step, loss ${result.loss.toPrecision(4)}`);
      }
    }
    if (setThreads && defaultThreads) setThreads(defaultThreads);
    if (python && typeof torch !== 'string') {
      const shapeTorch = pytorchSteps(python, shape);
      torch = typeof shapeTorch === 'string' ? shapeTorch : { ...shapeTorch, seconds: { ...torch.seconds, ...shapeTorch.seconds } };
      ctx.log(`width ${shape.width}, n ${shape.n}, PyTorch: ${typeof torch === 'string' ? torch : JSON.stringify(shapeTorch)}`);
    }
  }
  return { seconds, torch };
}

/** The faster blas thread count for a route and shape: seconds and a label such as "2t". */
function bestBlas(seconds: Record<string, number | undefined>, route: Route, key: string): { seconds?: number; threads: string } {
  const timed = ['blas 1t', 'blas 2t', 'blas']
    .map((label) => ({ seconds: seconds[`${label}:${route}:${key}`], threads: label.slice(5) }))
    .filter((t): t is { seconds: number; threads: string } => t.seconds !== undefined);
  return timed.sort((p, q) => p.seconds - q.seconds)[0] ?? { threads: '' };
}

function table(shapes: Shape[], seconds: Record<string, number | undefined>, torch: PytorchResult | string): BenchTable {
  const rows = shapes.map(({ width, n }) => {
    const key = `${width}x${n}`;
    const wasm = (route: Route) => seconds[`wasm:${route}:${key}`];
    const [gd, fit, tape] = (['gd', 'fit', 'tape'] as const).map((route) => bestBlas(seconds, route, key));
    const blasCell = (b: { seconds?: number; threads: string }) => `${ms(b.seconds)}${b.threads ? ` (${b.threads})` : ''}`;
    const torch1 = typeof torch === 'string' ? undefined : torch.seconds[`1:${key}`];
    const torch2 = typeof torch === 'string' ? undefined : torch.seconds[`2:${key}`];
    const best = torch1 === undefined || torch2 === undefined ? undefined : Math.min(torch1, torch2);
    return [width, n, ms(wasm('gd')), blasCell(gd!), ms(wasm('fit')), blasCell(fit!), blasCell(tape!), ms(torch1), ms(torch2),
      ratio(gd!.seconds, best), ratio(fit!.seconds, best), ratio(tape!.seconds, best), ratio(wasm('gd'), best)];
  });
  return {
    title: 'Full-batch gradient-descent step, ReLU MLP 10→w→w→1, float32: ms per step and ratios to PyTorch CPU',
    columns: ['width', 'n', 'GD wasm', 'GD blas', 'fit wasm', 'fit blas', 'tape blas', 'torch 1t', 'torch 2t',
      'GD blas / torch', 'fit blas / torch', 'tape blas / torch', 'GD wasm / torch'],
    rows,
    notes: [
      'GD: the trainer\'s GradientDescent.step (hand-written backpropagation; ntk parameterisation, raw outputs). ' +
        'fit: model.fit of a tf.Sequential of Dense layers, one epoch = one full batch. tape: the same step through ' +
        'TF.js\'s gradient tape (optimizer.minimize), as GradientDescent.step ran before. torch: nn.Sequential, SGD, the same shapes. blas and torch ratios use the faster ' +
        'thread count of each (blas: OpenBLAS threads, shown as 1t/2t; every blas timing is in the JSON).',
      typeof torch === 'string' ? torch : `PyTorch ${torch.version} (${torch.python})`,
      `load average when the table was taken: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (2 cores are shared)`,
    ],
  };
}

export const stepSuite: BenchSuite = {
  name: 'step',
  description: 'ms per full-batch GD step of a dense MLP: TF.js wasm vs the blas backend (OpenBLAS sgemm) vs PyTorch CPU',
  async run(ctx) {
    await initTensorflow();
    const previous = tf.getBackend();
    const blas = await registerBlasBackend().then(({ libraries }) => libraries, (err: Error) => err.message);
    const backends = typeof blas === 'string' ? ['wasm'] : ['wasm', 'blas'];
    ctx.log(typeof blas === 'string' ? `blas backend unavailable: ${blas}` : `blas backend: ${blas.at(-1)}`);
    const invariants = await checkInvariants(backends, { width: 8, n: 24 });
    const shapes = ctx.quick ? [{ width: 16, n: 48 }] : [64, 256, 500].flatMap((width) => [480, 4000].map((n) => ({ width, n })));
    const { seconds, torch } = await timeAll(backends, shapes, ctx);
    if (typeof torch === 'string') ctx.log(torch);
    await tf.setBackend(previous);
    const notes = typeof blas === 'string' ? [`blas backend unavailable: ${blas}`] : [`blas: ${blas.join('; ')}`];
    const result = table(shapes, seconds, torch);
    result.notes!.push(...notes);
    return { tables: [result], invariants, data: { shapes, seconds, torch, blas } };
  },
};
