import { gemm, Matrix64, normalGenerator, seededPermutation, uniformGenerator, type MatrixLike } from '@duality/linalg-core';
import { KernelInputError } from './errors.js';
import { finiteInputs } from './inputs.js';

/**
 * How Nyström landmarks are drawn from the rows of x: 'uniform', a seeded sample without replacement; 'kmeans++',
 * D² seeding on the inputs (each next landmark drawn with probability ∝ its squared distance to the nearest one so
 * far), which spreads the landmarks over the input space and returns data rows, not centroids. Past
 * `SKETCH_COLUMNS` inputs the distances are those of a seeded Gaussian sketch of the rows (below).
 */
export const LANDMARK_METHODS = ['uniform', 'kmeans++'] as const;
export type LandmarkMethod = (typeof LANDMARK_METHODS)[number];

/** ‖x_i − x_j‖² from the row-major data (offsets, not row views: this runs n·count times). */
function squaredDistance(x: Matrix64, i: number, j: number): number {
  const d = x.cols;
  let s = 0;
  for (let k = 0; k < d; k++) s += (x.data[i * d + k]! - x.data[j * d + k]!) ** 2;
  return s;
}

/** Index drawn with probability ∝ weights[i] (total > 0); the last positive weight absorbs rounding at the top. */
function drawProportional(weights: Float64Array, total: number, u: number): number {
  const target = u * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! <= 0) continue;
    cumulative += weights[i]!;
    last = i;
    if (cumulative > target) return i;
  }
  return last;
}

/**
 * Wide inputs are seeded on a sketch: x·G/√k with G a seeded d × k standard normal matrix keeps every squared
 * distance within a relative error of about √(2/k) (Johnson–Lindenstrauss), which D² sampling, random itself, does
 * not notice; the sketch costs one BLAS product, O(n·d·k), and the seeding O(n·count·k) instead of O(n·count·d)
 * (at 40,000 × 2,923 and 1,000 landmarks: seconds instead of minutes).
 */
export const SKETCH_COLUMNS = 64;

/** x·G/√k (n × SKETCH_COLUMNS), G seeded; x itself when it has no more columns than that. */
function sketched(x: Matrix64, seed: number): Matrix64 {
  if (x.cols <= 2 * SKETCH_COLUMNS) return x;
  const normal = normalGenerator(seed * 31 + 17);
  const scale = 1 / Math.sqrt(SKETCH_COLUMNS);
  const g = new Matrix64(x.cols, SKETCH_COLUMNS, Float64Array.from({ length: x.cols * SKETCH_COLUMNS }, () => normal() * scale));
  return gemm(x, g);
}

/** D² seeding, O(n·count·d): the distance to the nearest landmark is updated once per new landmark. */
function kmeansPlusPlus(x: Matrix64, count: number, seed: number): number[] {
  const random = uniformGenerator(seed);
  const n = x.rows;
  const nearest = new Float64Array(n).fill(Infinity);
  const chosen = [Math.floor(random() * n)];
  while (chosen.length < count) {
    const latest = chosen[chosen.length - 1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, squaredDistance(x, i, latest));
      total += nearest[i]!;
    }
    // Only duplicates of chosen rows are left (all at distance 0): take the next unchosen row in a seeded order.
    const next = total > 0 ? drawProportional(nearest, total, random()) : unchosen(n, chosen, random);
    chosen.push(next);
  }
  return chosen;
}

function unchosen(n: number, chosen: number[], random: () => number): number {
  const taken = new Set(chosen);
  const free = Array.from({ length: n }, (_, i) => i).filter((i) => !taken.has(i));
  return free[Math.floor(random() * free.length)]!;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new KernelInputError(`landmark seed must be an integer, got ${seed}`);
}

/**
 * `count` distinct row indices of x (sorted ascending) to serve as Nyström landmarks, reproducible from `seed`.
 * Uniform uses linalg-core's seededPermutation; k-means++ its uniform stream.
 */
export function selectLandmarks(x: MatrixLike, count: number, method: LandmarkMethod = 'uniform', seed = 0): number[] {
  // k-means++ weighs rows by squared distances: a NaN or huge row would poison every draw.
  return landmarksOfFinite(finiteInputs(x, 'x'), count, method, seed);
}

/** `selectLandmarks` on inputs already checked by `finiteInputs` (one pass over n·d entries saved). */
export function landmarksOfFinite(input: Matrix64, count: number, method: LandmarkMethod, seed: number): number[] {
  const n = input.rows;
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new KernelInputError(`landmark count must be an integer from 1 to the ${n} rows of x, got ${count}; use at most one landmark per row`);
  }
  checkSeed(seed);
  if (!LANDMARK_METHODS.includes(method)) {
    throw new KernelInputError(`landmark method ${String(method)} is not known; use ${LANDMARK_METHODS.join(' or ')}`);
  }
  const picked = method === 'uniform' ? seededPermutation(n, seed).slice(0, count) : kmeansPlusPlus(sketched(input, seed), count, seed);
  return picked.sort((a, b) => a - b);
}

/** Given landmark indices, checked (integers in 0..n−1, distinct) and sorted ascending. */
export function checkedLandmarks(indices: readonly number[], n: number): number[] {
  if (indices.length < 1 || indices.length > n) {
    throw new KernelInputError(`give from 1 to ${n} landmark indices (one per row of x at most), got ${indices.length}`);
  }
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
  if (bad !== undefined) throw new KernelInputError(`landmark index ${bad} is not a row of x; use integers from 0 to ${n - 1}`);
  const sorted = [...indices].sort((a, b) => a - b);
  const repeated = sorted.find((v, k) => k > 0 && v === sorted[k - 1]);
  if (repeated !== undefined) throw new KernelInputError(`landmark index ${repeated} appears twice; landmarks must be distinct rows`);
  return sorted;
}
