import { eigSym, gemm, Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { analyticKernels, analyticDiagonal } from './analytic.js';
import { empiricalCrossKernel } from './empirical-cross.js';
import { empiricalNtk } from './empirical.js';
import { toTrainingScale } from './kernel.js';
import { buildNetwork } from './network.js';
import { nystromFactor, nystromToTrainingScale, pseudoInverseRoot, type NystromFactor } from './nystrom.js';
import { analyticNtkNystrom, analyticNystrom, empiricalNystrom } from './nystrom-kernels.js';
import type { MlpSpec } from './spec.js';
import { inputs, relativeError } from './test-utils.js';

const spec = (inputDim: number, hiddenWidths = [64, 64]): MlpSpec => ({
  inputDim,
  hiddenWidths,
  activation: { name: 'relu' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 1,
});
/**
 * The kernels come from float32 networks: the dense pass and the blocked or landmark passes push different batch
 * shapes through TF.js, and OpenBLAS sgemm (the blas backend) rounds with the block shape, so the same entry can
 * differ by ~1e-8 relative (measured up to 1.4e-8); the float64 algebra after it (W's eigendecomposition) adds far
 * less. An error in the construction is of order 1e-2 or more.
 */
const FLOAT64_TOLERANCE = 1e-7;

/** F Gᵀ. */
const outer = (f: Matrix64, g: Matrix64) => gemm(f, g, { transB: true });

function columnsOf(k: Matrix64, columns: number[]): Matrix64 {
  return Matrix64.from(Array.from({ length: k.rows }, (_, i) => columns.map((j) => k.get(i, j))));
}

/** C W⁺ Cᵀ-style product A W⁺ Bᵀ straight from the dense kernel: W⁺ = U₊Λ₊⁻¹U₊ᵀ with the same cut-off. */
function denseNystrom(rows: Matrix64, w: Matrix64, cols: Matrix64, tolerance = 1e-10): Matrix64 {
  const { values, vectors } = eigSym(w);
  const r = w.rows;
  const inverse = new Matrix64(r, r);
  values.forEach((v, k) => {
    if (!(v > tolerance * values[0]!)) return;
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) inverse.data[i * r + j]! += (vectors!.get(i, k) * vectors!.get(j, k)) / v;
  });
  return gemm(gemm(rows, inverse), cols, { transB: true });
}

function landmarkRowsOf(k: Matrix64, f: NystromFactor): { exact: Matrix64; approx: Matrix64 } {
  const approx = outer(f.factor, f.factor);
  const pick = (m: Matrix64) => Matrix64.from(f.landmarks.map((i) => Array.from(m.row(i))));
  return { exact: pick(k), approx: pick(approx) };
}

describe('analyticNystrom', () => {
  const x = inputs(300, 5);
  const dense = analyticKernels(spec(5), x, { xTest: inputs(20, 5, 9) });

  it('with every row a landmark reproduces the dense NTK and NNGP', () => {
    const all = Array.from({ length: 300 }, (_, i) => i);
    const { ntk, nngp } = analyticNystrom(spec(5), x, { landmarks: all });
    expect(relativeError(outer(ntk.factor, ntk.factor), dense.train.ntk.matrix)).toBeLessThan(FLOAT64_TOLERANCE);
    expect(relativeError(outer(nngp.factor, nngp.factor), dense.train.nngp.matrix)).toBeLessThan(FLOAT64_TOLERANCE);
    expect([ntk.scale, ntk.n, ntk.kind, nngp.kind]).toEqual(['raw', 300, 'ntk', 'nngp']);
  });

  it.each(['uniform', 'kmeans++'] as const)('with %s landmarks is C W⁺ Cᵀ of the dense kernel, exact on the landmark rows', (method) => {
    const { ntk } = analyticNystrom(spec(5), x, { landmarks: 40, method, seed: 3 });
    const theta = dense.train.ntk.matrix;
    const c = columnsOf(theta, ntk.landmarks);
    const w = Matrix64.from(ntk.landmarks.map((i) => ntk.landmarks.map((j) => theta.get(i, j))));
    expect(ntk.factor.rows).toBe(300);
    expect(ntk.factor.cols).toBe(40 - ntk.dropped);
    expect(relativeError(outer(ntk.factor, ntk.factor), denseNystrom(c, w, c))).toBeLessThan(FLOAT64_TOLERANCE);
    const { exact, approx } = landmarkRowsOf(theta, ntk);
    expect(relativeError(approx, exact)).toBeLessThan(FLOAT64_TOLERANCE);
    // Not exact off the landmarks: a rank-40 factor of a full-rank kernel.
    expect(relativeError(outer(ntk.factor, ntk.factor), theta)).toBeGreaterThan(1e-4);
  });

  it('returns the dense diagonal and, with xTest, F* with F* Fᵀ the Nyström Θ(x*, X)', () => {
    const { ntk, nngp } = analyticNystrom(spec(5), x, { landmarks: 30, xTest: inputs(20, 5, 9) });
    const theta = dense.train.ntk.matrix;
    expect(Array.from(ntk.diagonal)).toEqual(Array.from({ length: 300 }, (_, i) => theta.get(i, i)));
    expect(Array.from(nngp.diagonal)).toEqual(Array.from({ length: 300 }, (_, i) => dense.train.nngp.matrix.get(i, i)));
    const w = Matrix64.from(ntk.landmarks.map((i) => ntk.landmarks.map((j) => theta.get(i, j))));
    const expected = denseNystrom(columnsOf(dense.test!.ntk.matrix, ntk.landmarks), w, columnsOf(theta, ntk.landmarks));
    expect(ntk.crossFactor!.rows).toBe(20);
    expect(relativeError(outer(ntk.crossFactor!, ntk.factor), expected)).toBeLessThan(FLOAT64_TOLERANCE);
  });

  it('the diagonal recursion is the dense diagonal for a quadrature activation too', () => {
    const gelu: MlpSpec = { ...spec(5), activation: { name: 'gelu' } };
    const small = inputs(15, 5, 4);
    const { train } = analyticKernels(gelu, small);
    expect(Array.from(analyticDiagonal(gelu, small).ntk)).toEqual(Array.from({ length: 15 }, (_, i) => train.ntk.matrix.get(i, i)));
  });
});

describe('analyticNtkNystrom', () => {
  it('is analyticNystrom’s NTK factor exactly, computed in blocks of rows (more rows than one block here)', () => {
    const x = inputs(4200, 3, 5);
    const options = { landmarks: 12, seed: 2, xTest: inputs(7, 3, 6) };
    const alone = analyticNtkNystrom(spec(3, [16]), x, options);
    const both = analyticNystrom(spec(3, [16]), x, options).ntk;
    expect(alone.landmarks).toEqual(both.landmarks);
    expect(Array.from(alone.factor.data)).toEqual(Array.from(both.factor.data));
    expect(Array.from(alone.crossFactor!.data)).toEqual(Array.from(both.crossFactor!.data));
    expect(Array.from(alone.diagonal)).toEqual(Array.from(both.diagonal));
  });
});

describe('nystromFactor and the training scale', () => {
  it('on the training scale F Fᵀ is Θ = raw/n with n the training size, not the landmark count', () => {
    const x = inputs(50, 3);
    const { ntk } = analyticNystrom(spec(3), x, { landmarks: 10, xTest: inputs(4, 3, 2) });
    const scaled = nystromToTrainingScale(ntk);
    expect(scaled.scale).toBe('per-sample-1/n');
    expect(nystromToTrainingScale(scaled)).toBe(scaled);
    const raw = outer(ntk.factor, ntk.factor);
    const trained = toTrainingScale({ kind: 'ntk', matrix: raw, scale: 'raw', n: 50 }).matrix;
    expect(relativeError(outer(scaled.factor, scaled.factor), trained)).toBeLessThan(1e-14);
    expect(relativeError(outer(scaled.crossFactor!, scaled.factor), toTrainingScale({ kind: 'ntk', matrix: outer(ntk.crossFactor!, ntk.factor), scale: 'raw', n: 50 }).matrix)).toBeLessThan(1e-14);
    expect(scaled.diagonal[7]).toBeCloseTo(ntk.diagonal[7]! / 50, 14);
    expect(ntk.factor.get(0, 0)).not.toBe(scaled.factor.get(0, 0));
  });

  it('drops the directions of a rank-deficient W and says how many', () => {
    // Θ = z zᵀ for z = (1, 2, 3, 4): rank one, so of three landmarks two directions are dropped.
    const z = [1, 2, 3, 4];
    const cross = Matrix64.from(z.map((zi) => [0, 1, 2].map((j) => zi * z[j]!)));
    const f = nystromFactor({ kind: 'ntk', cross, landmarks: [0, 1, 2], diagonal: Float64Array.from(z, (v) => v * v) });
    expect([f.dropped, f.factor.cols]).toEqual([2, 1]);
    expect(relativeError(outer(f.factor, f.factor), Matrix64.from(z.map((a) => z.map((b) => a * b))))).toBeLessThan(1e-14);
    expect(pseudoInverseRoot(new Matrix64(2, 2), 1e-10)).toMatchObject({ dropped: 2 });
  });

  it('rejects parts that do not fit and a tolerance outside [0, 1)', () => {
    const cross = Matrix64.from([[1, 0], [0, 1], [0.5, 0.5]]);
    const diagonal = new Float64Array(3).fill(1);
    expect(() => nystromFactor({ kind: 'ntk', cross, landmarks: [0], diagonal })).toThrow(/2 columns for 1 landmarks/);
    expect(() => nystromFactor({ kind: 'ntk', cross, landmarks: [0, 1], diagonal: new Float64Array(2) })).toThrow(/2 entries for 3 rows/);
    expect(() => nystromFactor({ kind: 'ntk', cross, landmarks: [0, 1], diagonal }, 1)).toThrow(/tolerance must be in \[0, 1\)/);
  });

  it('analyticNystrom rejects bad landmark requests by name', () => {
    const x = inputs(10, 3);
    expect(() => analyticNystrom(spec(3), x, { landmarks: 11 })).toThrow(/from 1 to the 10 rows of x/);
    expect(() => analyticNystrom(spec(3), x, { landmarks: 0 })).toThrow(/got 0/);
    expect(() => analyticNystrom(spec(3), x, { landmarks: 3, method: 'random' as never })).toThrow(/random is not known/);
    expect(() => analyticNystrom(spec(3), x, { landmarks: [2, 2] })).toThrow(/appears twice/);
  });
});

describe('empiricalNystrom', () => {
  const small = spec(3, [16, 12]);
  const x = inputs(300, 3);

  it('with every row a landmark reproduces the dense empirical NTK, rows in blocks', async () => {
    const network = buildNetwork(small, { seed: 2, initialOutput: 'keep' });
    const dense = await empiricalNtk(network, x);
    const all = Array.from({ length: 300 }, (_, i) => i);
    const { ntk, f0 } = await empiricalNystrom(network, x, { landmarks: all, rowsPerPass: 64 });
    expect(relativeError(outer(ntk.factor, ntk.factor), dense.ntk.matrix)).toBeLessThan(FLOAT64_TOLERANCE);
    // f0 through a 64-row pass against the whole batch: the same float32 network, rounded with the batch shape.
    expect(relativeError(f0, dense.f0)).toBeLessThan(FLOAT64_TOLERANCE);
    expect(relativeError(new Matrix64(1, 300, ntk.diagonal), Matrix64.from([all.map((i) => dense.ntk.matrix.get(i, i))]))).toBeLessThan(FLOAT64_TOLERANCE);
    network.dispose();
  });

  it('at fewer landmarks is C W⁺ Cᵀ of the dense kernel, exact on landmark rows, and F* Fᵀ the Nyström Θ(x*, X)', async () => {
    const network = buildNetwork({ ...small, outputDim: 2 }, { seed: 4 });
    const xTest = inputs(10, 3, 5);
    const dense = (await empiricalNtk(network, [...x, ...xTest], { columns: 300 })).ntk.matrix;
    const { ntk } = await empiricalNystrom(network, x, { landmarks: 25, method: 'uniform', seed: 1, xTest, rowsPerPass: 100 });
    const train = new Matrix64(300, 300, dense.data.subarray(0, 300 * 300));
    const test = new Matrix64(10, 300, dense.data.subarray(300 * 300));
    const c = columnsOf(train, ntk.landmarks);
    const w = Matrix64.from(ntk.landmarks.map((i) => ntk.landmarks.map((j) => train.get(i, j))));
    expect(relativeError(outer(ntk.factor, ntk.factor), denseNystrom(c, w, c))).toBeLessThan(FLOAT64_TOLERANCE);
    const { exact, approx } = landmarkRowsOf(train, ntk);
    expect(relativeError(approx, exact)).toBeLessThan(FLOAT64_TOLERANCE);
    expect(relativeError(outer(ntk.crossFactor!, ntk.factor), denseNystrom(columnsOf(test, ntk.landmarks), w, c))).toBeLessThan(FLOAT64_TOLERANCE);
    network.dispose();
  });

  it('the cross kernel of two input sets is the dense block, the diagonal the dense diagonal', async () => {
    const network = buildNetwork({ ...small, outputDim: 3 }, { seed: 6 });
    const rows = inputs(40, 3, 7);
    const columns = inputs(6, 3, 8);
    const dense = (await empiricalNtk(network, [...columns, ...rows])).ntk.matrix;
    const cross = await empiricalCrossKernel(network, rows, columns, { rowsPerPass: 15 });
    const block = Matrix64.from(Array.from({ length: 40 }, (_, i) => Array.from({ length: 6 }, (_, j) => dense.get(6 + i, j))));
    expect(relativeError(cross.ntk.matrix, block)).toBeLessThan(FLOAT64_TOLERANCE);
    expect([cross.ntk.scale, cross.ntk.n]).toEqual(['raw', 40]);
    cross.diagonal.forEach((v, i) => expect(Math.abs(v / dense.get(6 + i, 6 + i) - 1)).toBeLessThan(FLOAT64_TOLERANCE));
    await expect(empiricalCrossKernel(network, rows, columns, { rowsPerPass: 0 })).rejects.toThrow(/rowsPerPass must be a positive integer/);
    network.dispose();
  });
});
