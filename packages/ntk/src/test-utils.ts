import { uniformGenerator, type Matrix64 } from '@duality/linalg-core';

/** ‖A − B‖_F / ‖B‖_F. */
export function relativeError(a: Matrix64, b: Matrix64): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.data.length; i++) {
    diff += (a.data[i]! - b.data[i]!) ** 2;
    norm += b.data[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

export function maxAsymmetry(m: Matrix64): number {
  let worst = 0;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < i; j++) worst = Math.max(worst, Math.abs(m.get(i, j) - m.get(j, i)));
  return worst;
}

/**
 * Smallest pivot of an LDLᵀ factorisation of m + shift·I relative to the largest diagonal entry:
 * positive iff the matrix is positive definite (a test helper; the package never factors kernels).
 */
export function smallestRelativePivot(m: Matrix64, shift = 0): number {
  const n = m.rows;
  const a = m.data.slice();
  let scale = 0;
  for (let i = 0; i < n; i++) {
    a[i * n + i]! += shift;
    scale = Math.max(scale, a[i * n + i]!);
  }
  let smallest = Infinity;
  for (let k = 0; k < n; k++) {
    const pivot = a[k * n + k]!;
    smallest = Math.min(smallest, pivot / scale);
    if (pivot <= 0) return smallest;
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / pivot;
      for (let j = k + 1; j <= i; j++) a[i * n + j]! -= f * a[j * n + k]!;
    }
  }
  return smallest;
}

/** Deterministic pseudo-random inputs (n × d) in [−1, 1]. */
export function inputs(n: number, d: number, seed = 1): number[][] {
  const uniform = uniformGenerator(seed);
  const next = () => 2 * uniform() - 1;
  return Array.from({ length: n }, () => Array.from({ length: d }, next));
}
