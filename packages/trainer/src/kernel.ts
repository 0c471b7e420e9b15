import { Matrix64 } from '@duality/linalg-core';
import { analyticKernels, empiricalNtk, toTrainingScale, type DenseNetwork } from '@duality/ntk';

export type KernelSource = 'empirical' | 'analytic';

/** What the statistics need from a network: Θ and Θ(x*, X) on the training scale (1/n), and f0 at both. */
export interface NetworkKernel {
  source: KernelSource;
  /** Θ = J Jᵀ/n (n×n). */
  theta: Matrix64;
  /** Θ(x*, X) = J* Jᵀ/n (n*×n), with test inputs. */
  cross?: Matrix64;
  /** The network's outputs at its current weights: f0 (n×k) and at the test inputs (n*×k). */
  f0: Matrix64;
  f0Test?: Matrix64;
  seconds: number;
}

/** Rows [from, to) of m, copied (contiguous in row-major storage). */
function rowsOf(m: Matrix64, from: number, to: number): Matrix64 {
  return new Matrix64(to - from, m.cols, m.data.slice(from * m.cols, to * m.cols));
}

/**
 * The NTK of `network` at its current weights (empirical: the finite network's own kernel, at initialisation the one
 * gradient descent follows) or of its infinite-width limit (analytic). With test inputs, train and test points go
 * through one pass together and the blocks are cut out, so Θ(x*, X) comes at no extra pass.
 */
export async function networkKernel(
  network: DenseNetwork,
  x: Matrix64,
  xTest: Matrix64 | undefined,
  source: KernelSource,
): Promise<NetworkKernel> {
  const started = performance.now();
  const n = x.rows;
  const nTest = xTest?.rows ?? 0;
  const all = xTest ? stackRows(x, xTest) : x;
  let outputs: Matrix64;
  let theta: Matrix64;
  let cross: Matrix64 | undefined;
  if (source === 'empirical') {
    // One pass gives the kernel against the training rows (train rows first, then test rows) and f0 together; the
    // two blocks are contiguous, so Θ and Θ(x*, X) are views of one buffer, scaled to the training scale in place.
    const empirical = await empiricalNtk(network, all, { columns: n });
    const scaled = toTrainingScale(empirical.ntk, { inPlace: true }).matrix.data;
    outputs = empirical.f0;
    theta = new Matrix64(n, n, scaled.subarray(0, n * n));
    cross = xTest ? new Matrix64(nTest, n, scaled.subarray(n * n)) : undefined;
  } else {
    const kernels = analyticKernels(network.plans, x, xTest ? { xTest } : {});
    outputs = network.outputs(all);
    theta = toTrainingScale(kernels.train.ntk).matrix;
    cross = kernels.test ? toTrainingScale(kernels.test.ntk).matrix : undefined;
  }
  const f0 = rowsOf(outputs, 0, n);
  const f0Test = xTest ? rowsOf(outputs, n, n + nTest) : undefined;
  return { source, theta, cross, f0, f0Test, seconds: (performance.now() - started) / 1000 };
}

/** The given rows of m, in that order. */
export function pickRows(m: Matrix64, rows: readonly number[]): Matrix64 {
  const out = new Matrix64(rows.length, m.cols);
  rows.forEach((r, i) => out.row(i).set(m.row(r)));
  return out;
}

export function stackRows(a: Matrix64, b: Matrix64): Matrix64 {
  const out = new Matrix64(a.rows + b.rows, a.cols);
  out.data.set(a.data, 0);
  out.data.set(b.data, a.data.length);
  return out;
}
