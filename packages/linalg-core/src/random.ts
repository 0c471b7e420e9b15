import { LinalgInputError } from './errors.js';
/**
 * The one source of seeded randomness in the workspace (Math.random cannot be seeded): matrices, splits,
 * simulated networks and test data all draw from here.
 * mulberry32: a 32-bit state, period 2³². The largest consumer, a deep linear network simulation, draws a few
 * million uniforms per run, and seeds that differ by 1–10 start ≥ 10⁸ draws apart on the one cycle, so the
 * streams of the seeds a study runs side by side do not overlap.
 */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard normals (Box–Muller on the uniform stream; 1 − u keeps the log finite). */
export function normalGenerator(seed: number): () => number {
  const uniform = uniformGenerator(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A permutation of 0..n−1 from a seed (Fisher–Yates on the uniform stream). */
export function seededPermutation(n: number, seed: number): number[] {
  if (!(Number.isInteger(n) && n >= 0)) throw new LinalgInputError(`seededPermutation: n must be a non-negative integer, got ${n}`);
  const random = uniformGenerator(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
