import { Matrix64, type MatrixLike } from '@duality/linalg-core';
import { analyticCrossKernel, analyticDiagonal, plansOf } from './analytic.js';
import { empiricalCrossKernel } from './empirical-cross.js';
import { inputMatrix } from './inputs.js';
import { checkedLandmarks, selectLandmarks, type LandmarkMethod } from './landmarks.js';
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

function landmarksOf(x: Matrix64, options: NystromOptions): number[] {
  const { landmarks } = options;
  if (typeof landmarks === 'number') return selectLandmarks(x, landmarks, options.method ?? 'kmeans++', options.seed ?? 0);
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

/**
 * Nyström factors of the infinite-width NTK and NNGP on landmark rows of xTrain (math.md §6), raw scale, with the
 * exact diagonals: Θ_raw ≈ F Fᵀ without any n × n kernel. Memory about two n × r matrices (C for each kind, reused for F).
 */
export function analyticNystrom(
  architecture: MlpSpec | LayerPlan[],
  xTrain: MatrixLike,
  options: NystromOptions & { quadratureOrder?: number },
): AnalyticNystrom {
  const plans = plansOf(architecture);
  const train = inputMatrix(xTrain, plans[0]!.fanIn, 'xTrain');
  const landmarks = landmarksOf(train, options);
  const landmarkRows = rowsOf(train, landmarks);
  const quadrature = { quadratureOrder: options.quadratureOrder };
  const cross = analyticCrossKernel(plans, train, landmarkRows, quadrature);
  const test = options.xTest === undefined ? undefined : analyticCrossKernel(plans, options.xTest, landmarkRows, quadrature);
  const diagonal = analyticDiagonal(plans, train, quadrature);
  const factorOf = (kind: 'ntk' | 'nngp') =>
    nystromFactor({ kind, cross: cross[kind].matrix, landmarks, diagonal: diagonal[kind], testCross: test?.[kind].matrix }, options.tolerance);
  return { ntk: factorOf('ntk'), nngp: factorOf('nngp') };
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
  const train = inputMatrix(xTrain, network.inputDim, 'xTrain');
  const landmarks = landmarksOf(train, options);
  const landmarkRows = rowsOf(train, landmarks);
  const passOptions = { output: options.output, rowsPerPass: options.rowsPerPass };
  const cross = await empiricalCrossKernel(network, train, landmarkRows, passOptions);
  const test = options.xTest === undefined ? undefined : await empiricalCrossKernel(network, options.xTest, landmarkRows, passOptions);
  const parts = { kind: 'ntk' as const, cross: cross.ntk.matrix, landmarks, diagonal: cross.diagonal, testCross: test?.ntk.matrix };
  return { ntk: nystromFactor(parts, options.tolerance), f0: cross.f0, backend: cross.backend };
}
