import { totalmem } from 'node:os';
import type { Matrix64 } from '@duality/linalg-core';
import { analyticNtkNystrom, empiricalNystrom, nystromToTrainingScale, type DenseNetwork, type LandmarkMethod, type NystromFactor } from '@duality/ntk';
import type { KernelSource } from './kernel.js';
import { TrainerInputError } from './time.js';

/**
 * How many training rows the kernel may use: 'full' (the dense n×n kernel), a rank r (a Nyström factor on r landmark
 * rows, math.md §6; dense when r ≥ n/2), or 'auto' (default): dense while it fits in memory, else rank `DEFAULT_RANK`.
 */
export type KernelRank = 'auto' | 'full' | number;

/** Landmarks of the low-rank path by default: enough for the statistics at 10⁴ rows (BENCHMARKS.md, `scale`), 0.8 GB at 10⁵. */
export const DEFAULT_RANK = 1000;

/** The dense path's peak memory: about four n×n float64 matrices (Θ, its eigenvectors, U∘U for LOO, workspace). */
const DENSE_BYTES_PER_ENTRY = 32;

/**
 * Share of the machine's memory one plan may use: the dense kernel (past it 'auto' switches to low rank), or a
 * network's training state (the CLI refuses wider layers).
 */
export const MEMORY_SHARE = 0.6;

/** What the kernel will be: dense, or a rank-r factor (and why, in a line a person reads). */
export type KernelPlan = { kind: 'dense' } | { kind: 'low-rank'; rank: number; reason: string };

export function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e10 ? 1 : 0)} GB`;
}

/** Dense or low rank for n training rows; `memoryBytes` defaults to this machine's. */
export function kernelPlan(n: number, rank: KernelRank = 'auto', memoryBytes = totalmem()): KernelPlan {
  if (rank === 'full') return { kind: 'dense' };
  if (rank === 'auto') {
    const dense = DENSE_BYTES_PER_ENTRY * n * n;
    if (dense <= MEMORY_SHARE * memoryBytes || n <= DEFAULT_RANK) return { kind: 'dense' };
    return {
      kind: 'low-rank',
      rank: DEFAULT_RANK,
      reason: `${n.toLocaleString('en-US')} training rows: the dense kernel would need about ${gigabytes(dense)} of this machine's ${gigabytes(memoryBytes)}, so it is a rank-${DEFAULT_RANK} Nyström kernel (--rank to choose, --rank full to insist)`,
    };
  }
  if (!(Number.isInteger(rank) && rank >= 1)) throw new TrainerInputError(`rank must be 'auto', 'full' or a positive integer, got ${rank}`);
  // A factor on half the rows or more costs about what the dense kernel does, and leaves too few other directions.
  if (2 * rank >= n) return { kind: 'dense' };
  return { kind: 'low-rank', rank, reason: `a rank-${rank} Nyström kernel on ${rank} landmark rows of ${n.toLocaleString('en-US')}` };
}

export interface FactorOptions {
  rank: number;
  /** How the landmark rows are drawn (default 'kmeans++': it beat uniform sampling at every rank measured). */
  landmarks?: LandmarkMethod;
  seed?: number;
}

/** A Nyström factor of the network's NTK on the training scale: Θ ≈ F Fᵀ, Θ(x*, X) ≈ F* Fᵀ, the exact diag Θ. */
export interface NetworkKernelFactor {
  source: KernelSource;
  factor: NystromFactor;
  f0: Matrix64;
  f0Test?: Matrix64;
  method: LandmarkMethod;
  seconds: number;
}

/** The low-rank counterpart of `networkKernel`: no n×n matrix, O(n·rank) memory. */
export async function networkKernelFactor(
  network: DenseNetwork,
  x: Matrix64,
  xTest: Matrix64 | undefined,
  source: KernelSource,
  options: FactorOptions,
): Promise<NetworkKernelFactor> {
  const started = performance.now();
  const method = options.landmarks ?? 'kmeans++';
  const nystrom = { landmarks: options.rank, method, seed: options.seed ?? 0, ...(xTest ? { xTest } : {}) };
  const raw = source === 'empirical' ? await empiricalNystrom(network, x, nystrom) : { ntk: analyticNtkNystrom(network.plans, x, nystrom), f0: network.outputs(x) };
  const factor = nystromToTrainingScale(raw.ntk, { inPlace: true });
  const f0Test = xTest ? network.outputs(xTest) : undefined;
  return { source, factor, f0: raw.f0, ...(f0Test ? { f0Test } : {}), method, seconds: (performance.now() - started) / 1000 };
}
