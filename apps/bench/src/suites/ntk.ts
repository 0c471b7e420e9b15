import { performance } from 'node:perf_hooks';
import { uniformGenerator } from '@duality/linalg-core';
import {
  analyticKernels,
  bruteForceNtk,
  buildNetwork,
  empiricalNtk,
  initTensorflow,
  type Kernel,
  type MlpSpec,
} from '@duality/ntk';
import { formatSeconds, type BenchSuite, type Invariant } from '../harness.js';

function inputs(n: number, d: number): number[][] {
  const uniform = uniformGenerator(12345);
  const next = () => 2 * uniform() - 1;
  return Array.from({ length: n }, () => Array.from({ length: d }, next));
}

async function seconds<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

function relativeDifference(a: Kernel, b: Kernel): number {
  let diff = 0;
  let norm = 0;
  a.matrix.data.forEach((v, i) => {
    diff += (v - b.matrix.data[i]!) ** 2;
    norm += b.matrix.data[i]! ** 2;
  });
  return Math.sqrt(diff / norm);
}

const allFinite = (k: Kernel) => k.matrix.data.every(Number.isFinite);

export const ntkSuite: BenchSuite = {
  name: 'ntk',
  description: 'empirical NTK of a depth-3 ReLU MLP: structured (per-layer products) vs brute force, and the analytic kernel',
  async run(ctx) {
    const backend = await initTensorflow();
    ctx.log(`TF.js backend: ${backend.backend} (${backend.reason})`);
    const width = ctx.quick ? 64 : 512;
    const sizes = ctx.quick ? [100] : [500, 1000, 2000];
    const inputDim = 16;
    const spec: MlpSpec = {
      inputDim,
      hiddenWidths: [width, width, width],
      activation: { name: 'relu' },
      weightStd: Math.SQRT2,
      biasStd: 0.1,
      parameterisation: 'ntk',
      outputDim: 1,
    };
    const network = buildNetwork(spec, { seed: 1 });
    const rows: (string | number)[][] = [];
    const invariants: Invariant[] = [];
    const data: Record<string, unknown>[] = [];
    for (const [index, n] of sizes.entries()) {
      const x = inputs(n, inputDim);
      const structured = await seconds(() => empiricalNtk(network, x));
      ctx.log(`n = ${n}: structured ${formatSeconds(structured.seconds)}`);
      const analytic = await seconds(() => analyticKernels(spec, x));
      let bruteCell = '—';
      let ratioCell = '—';
      const record: Record<string, unknown> = { n, width, structuredSeconds: structured.seconds, analyticSeconds: analytic.seconds };
      if (index === 0) {
        const brute = await seconds(() => bruteForceNtk(network, x));
        ctx.log(`n = ${n}: brute force ${formatSeconds(brute.seconds)}`);
        const difference = relativeDifference(structured.value.ntk, brute.value);
        bruteCell = formatSeconds(brute.seconds);
        ratioCell = `${(brute.seconds / structured.seconds).toFixed(1)}×`;
        record.bruteForceSeconds = brute.seconds;
        record.structuredVsBruteRelative = difference;
        invariants.push({
          name: 'structured = brute force',
          ok: difference < 1e-5,
          detail: `relative Frobenius difference ${difference.toExponential(2)} at n = ${n} (float32 gradients: < 1e-5)`,
        });
      }
      const finite = allFinite(structured.value.ntk) && allFinite(analytic.value.train.ntk) && allFinite(analytic.value.train.nngp);
      invariants.push({ name: `no NaN at n = ${n}`, ok: finite, detail: finite ? 'all kernel entries finite' : 'non-finite entries' });
      rows.push([n, formatSeconds(structured.seconds), bruteCell, ratioCell, formatSeconds(analytic.seconds)]);
      data.push(record);
    }
    network.dispose();
    return {
      tables: [
        {
          title: `Empirical NTK, ReLU MLP ${inputDim}→${width}×3→1 (ntk parameterisation), TF.js backend ${backend.backend}`,
          columns: ['n', 'structured', 'brute force', 'brute / structured', 'analytic NNGP+NTK'],
          rows,
          notes: [
            `TF.js backend: ${backend.backend} — ${backend.reason}`,
            'Structured: one batched forward/backward pass, then float64 per-layer Gram products (O(n² Σ widths)). ' +
              'Brute force: one backward pass per example, J Jᵀ over all parameters; run at the smallest n only.',
          ],
        },
      ],
      invariants,
      data: { backend, spec, sizes: data },
    };
  },
};
