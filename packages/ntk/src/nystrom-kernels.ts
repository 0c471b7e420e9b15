import { Matrix64, type MatrixLike } from '@duality/linalg-core';
import { analyticCrossKernel, analyticDiagonal, plansOf } from './analytic.js';
import { crossKernelOfInputs } from './empirical-cross.js';
import { KernelInputError } from './errors.js';
import { inputMatrix } from './inputs.js';
import { checkedLandmarks, landmarksOfFinite, type LandmarkMethod } from './landmarks.js';
import type { DenseNetwork } from './network.js';
import { nystromFactor, type NystromFactor } from './nystrom.js';
import type { LayerPlan, MlpSpec } from './spec.js';
import type { TfBackendInfo } from './tfjs-backend.js';

export interface NystromOptions {
  /** How many landmarks to draw from the rows of x (by `method`), or the landmark row indices themselves. */
  landmarks: number | readonly number[];
  /** How a count of landmarks is drawn (default 'kmeans++'). */
  method?: LandmarkMethod;
  /** Seed of the landmark draw (default 0). */
  seed?: number;
  /** Relative eigenvalue cut-off of W^{+1/2} (default DEFAULT_NYSTROM_TOLERANCE). */
  tolerance?: number;
  /** New inputs x*: also return `crossFactor` for predictions there. */
  xTest?: MatrixLike;
}

const NYSTROM_KEYS = ['landmarks', 'method', 'seed', 'tolerance', 'xTest'];

/** The options object checked: no unknown key (a typo like `landmark` would silently fall back), `landmarks` given. */
function checkOptions(options: unknown, extraKeys: readonly string[], caller: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new KernelInputError(`${caller}: options are required: give at least { landmarks: r } (a count or row indices)`);
  }
  const known = [...NYSTROM_KEYS, ...extraKeys];
  const unknown = Object.keys(options).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new KernelInputError(`${caller}: unknown option ${JSON.stringify(unknown)}; the options are ${known.join(', ')}`);
  }
  const { landmarks } = options as { landmarks?: unknown };
  if (typeof landmarks !== 'number' && !Array.isArray(landmarks)) {
    throw new KernelInputError(`${caller}: options.landmarks is missing: give a landmark count (e.g. { landmarks: 256 }) or row indices`);
  }
}

/** Landmarks of inputs already checked finite (by `inputMatrix`). */
function landmarksOf(x: Matrix64, options: NystromOptions): number[] {
  const { landmarks } = options;
  if (typeof landmarks === 'number') return landmarksOfFinite(x, landmarks, options.method ?? 'kmeans++', options.seed ?? 0);
  return checkedLandmarks(landmarks, x.rows);
}

function rowsOf(x: Matrix64, indices: number[]): Matrix64 {
  const out = new Matrix64(indices.length, x.cols);
  indices.forEach((row, i) => out.data.set(x.row(row), i * x.cols));
  return out;
}

export interface AnalyticNystrom {
  ntk: NystromFactor;
  nngp: NystromFactor;
}

type KernelKind = 'ntk' | 'nngp';

/** Rows of x per block of the analytic cross kernel: the recursion's two n × r buffers exist for one block at a time. */
const ANALYTIC_BLOCK_ROWS = 4096;

/** Θ_raw(x, X_r) for the asked kinds, a block of rows at a time, so the kind not asked for is never held whole. */
function blockwiseCross(plans: LayerPlan[], x: Matrix64, landmarkRows: Matrix64, kinds: KernelKind[], quadratureOrder?: number): Partial<Record<KernelKind, Matrix64>> {
  const r = landmarkRows.rows;
  const out: Partial<Record<KernelKind, Matrix64>> = {};
  for (const kind of kinds) out[kind] = new Matrix64(x.rows, r);
  for (let from = 0; from < x.rows; from += ANALYTIC_BLOCK_ROWS) {
    const block = rowsOf(x, Array.from({ length: Math.min(ANALYTIC_BLOCK_ROWS, x.rows - from) }, (_, i) => from + i));
    const pair = analyticCrossKernel(plans, block, landmarkRows, { quadratureOrder });
    for (const kind of kinds) out[kind]!.data.set(pair[kind].matrix.data, from * r);
  }
  return out;
}

/** Nyström factors of the asked analytic kinds, with the exact diagonals. */
function analyticFactors(
  architecture: MlpSpec | LayerPlan[],
  xTrain: MatrixLike,
  options: NystromOptions & { quadratureOrder?: number },
  kinds: KernelKind[],
  caller: string,
): Partial<Record<KernelKind, NystromFactor>> {
  checkOptions(options, ['quadratureOrder'], caller);
  const plans = plansOf(architecture);
  const train = inputMatrix(xTrain, plans[0]!.fanIn, 'xTrain');
  const landmarks = landmarksOf(train, options);
  const landmarkRows = rowsOf(train, landmarks);
  const { quadratureOrder } = options;
  const cross = blockwiseCross(plans, train, landmarkRows, kinds, quadratureOrder);
  const test = options.xTest === undefined ? undefined : blockwiseCross(plans, inputMatrix(options.xTest, plans[0]!.fanIn, 'xTest'), landmarkRows, kinds, quadratureOrder);
  const diagonal = analyticDiagonal(plans, train, { quadratureOrder });
  const factors: Partial<Record<KernelKind, NystromFactor>> = {};
  for (const kind of kinds) {
    factors[kind] = nystromFactor({ kind, cross: cross[kind]!, landmarks, diagonal: diagonal[kind], testCross: test?.[kind] }, options.tolerance);
  }
  return factors;
}

/**
 * Nyström factors of the infinite-width NTK and NNGP on landmark rows of xTrain (math.md §6), raw scale, with the
 * exact diagonals: Θ_raw ≈ F Fᵀ without any n × n kernel. Memory about two n × r matrices (C for each kind, reused for F).
 */
export function analyticNystrom(
  architecture: MlpSpec | LayerPlan[],
  xTrain: MatrixLike,
  options: NystromOptions & { quadratureOrder?: number },
): AnalyticNystrom {
  const { ntk, nngp } = analyticFactors(architecture, xTrain, options, ['ntk', 'nngp'], 'analyticNystrom');
  return { ntk: ntk!, nngp: nngp! };
}

/** The NTK's factor alone (what training follows): one n × r matrix, the NNGP never held beyond a block of rows. */
export function analyticNtkNystrom(
  architecture: MlpSpec | LayerPlan[],
  xTrain: MatrixLike,
  options: NystromOptions & { quadratureOrder?: number },
): NystromFactor {
  return analyticFactors(architecture, xTrain, options, ['ntk'], 'analyticNtkNystrom').ntk!;
}

export interface EmpiricalNystrom {
  ntk: NystromFactor;
  /** The outputs at the training rows (n × outputDim), as `empiricalNtk` returns them. */
  f0: Matrix64;
  backend: TfBackendInfo;
}

/**
 * Nyström factor of the empirical NTK of a dense network at its current weights (math.md §6): the cross kernel
 * Θ(X, X_r) and the diagonal from `empiricalCrossKernel` (blocks of rows, never n × n), then F = C W^{+1/2}.
 */
export async function empiricalNystrom(
  network: DenseNetwork,
  xTrain: MatrixLike,
  options: NystromOptions & { output?: number | 'mean'; rowsPerPass?: number },
): Promise<EmpiricalNystrom> {
  checkOptions(options, ['output', 'rowsPerPass'], 'empiricalNystrom');
  const train = inputMatrix(xTrain, network.inputDim, 'xTrain');
  const landmarks = landmarksOf(train, options);
  const landmarkRows = rowsOf(train, landmarks);
  const passOptions = { output: options.output, rowsPerPass: options.rowsPerPass };
  const cross = await crossKernelOfInputs(network, train, landmarkRows, passOptions);
  const test = options.xTest === undefined ? undefined : await crossKernelOfInputs(network, inputMatrix(options.xTest, network.inputDim, 'xTest'), landmarkRows, passOptions);
  const parts = { kind: 'ntk' as const, cross: cross.ntk.matrix, landmarks, diagonal: cross.diagonal, testCross: test?.ntk.matrix };
  return { ntk: nystromFactor(parts, options.tolerance), f0: cross.f0, backend: cross.backend };
}
