import { parallelMultiplyAdd, sharedFloat64 } from './parallel.js';
import { RotationLog, applyRotations } from './rotations.js';
import { type Column, deflate, solveSecular } from './secular.js';
import { diagonalizeTridiagonal } from './tridiagonal-qr.js';

/**
 * Eigenvectors of a symmetric tridiagonal matrix by divide and conquer (Cuppen). Tearing out the
 * coupling β between rows m−1 and m leaves T = diag(T₁, T₂) + |β| v vᵀ with v = e_{m−1} ± e_m;
 * with T_i = Q_i D_i Q_iᵀ this is T = Q (D + ρ z zᵀ) Qᵀ, z = Qᵀv/‖·‖. Components of z that are
 * negligible, and pairs of nearly equal d, are deflated (they are eigenpairs already, up to
 * rounding); the rest are the roots of the secular equation 1 + ρ Σ z_k²/(d_k − λ) = 0. The
 * eigenvectors of D + ρ ẑ ẑᵀ come from a ẑ recomputed from the computed roots (Gu–Eisenstat), which
 * makes them numerically orthogonal however close the roots are, and the merge is a matrix product.
 */

/** Blocks this small are solved by QR with accumulated rotations. */
export const DIVIDE_BELOW = 32;

export interface TridiagonalEigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** size × size, row-major: column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/** All eigenpairs of the tridiagonal with diagonal d and off-diagonal e (neither is modified). */
export function tridiagonalEigen(d: Float64Array, e: Float64Array): TridiagonalEigen {
  const size = d.length;
  if (size <= DIVIDE_BELOW) return byQr(d, e);
  const m = size >> 1;
  const beta = e[m - 1]!;
  const rho = Math.abs(beta);
  const d1 = d.slice(0, m);
  const d2 = d.slice(m);
  d1[m - 1]! -= rho;
  d2[0]! -= rho;
  const top = tridiagonalEigen(d1, e.subarray(0, m - 1));
  const bottom = tridiagonalEigen(d2, e.subarray(m, size - 1));
  return merge(top, bottom, m, size, rho, beta < 0 ? -1 : 1);
}

function byQr(d: Float64Array, e: Float64Array): TridiagonalEigen {
  const size = d.length;
  const values = d.slice();
  const log = new RotationLog();
  diagonalizeTridiagonal(values, e.slice(), { log, chunk: Infinity, flush: () => undefined });
  // Rows of P·I are the eigenvectors; transposed, they become columns.
  const rows = new Float64Array(size * size);
  for (let i = 0; i < size; i++) rows[i * size + i] = 1;
  applyRotations(log, rows, size, size);
  const vectors = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) vectors[j * size + i] = rows[i * size + j]!;
  }
  return { values, vectors };
}

function merge(
  top: TridiagonalEigen,
  bottom: TridiagonalEigen,
  m: number,
  size: number,
  rho: number,
  sign: number,
): TridiagonalEigen {
  const m2 = size - m;
  const columns: Column[] = [];
  // z = Qᵀ(e_{m−1} ± e_m)/√2: the last row of Q₁ and ± the first row of Q₂; ρ absorbs the ‖·‖² = 2.
  for (let j = 0; j < m; j++) {
    const top1 = new Float64Array(m);
    for (let i = 0; i < m; i++) top1[i] = top.vectors[i * m + j]!;
    columns.push({ value: top.values[j]!, z: top1[m - 1]! * Math.SQRT1_2, top: top1, bottom: null });
  }
  for (let j = 0; j < m2; j++) {
    const bottom1 = new Float64Array(m2);
    for (let i = 0; i < m2; i++) bottom1[i] = bottom.vectors[i * m2 + j]!;
    columns.push({ value: bottom.values[j]!, z: sign * bottom1[0]! * Math.SQRT1_2, top: null, bottom: bottom1 });
  }
  const weight = 2 * rho;
  columns.sort((x, y) => x.value - y.value);
  const { kept, deflated } = deflate(columns, weight, m, m2);

  const values = new Float64Array(size);
  const vectors = sharedFloat64(size * size);
  const k = kept.length;
  if (k > 0) {
    const roots = solveSecular(kept, weight);
    for (let j = 0; j < k; j++) values[j] = roots.values[j]!;
    multiplyOut(kept, roots.vectors, m, m2, size, vectors);
  }
  deflated.forEach((column, index) => {
    const j = k + index;
    values[j] = column.value;
    if (column.top) for (let i = 0; i < m; i++) vectors[i * size + j] = column.top[i]!;
    if (column.bottom) for (let i = 0; i < m2; i++) vectors[(m + i) * size + j] = column.bottom[i]!;
  });
  return { values, vectors };
}

/**
 * vectors[:, 0…K−1] = Q_kept · U: the top rows from the kept columns with a top part, the bottom
 * rows from those with a bottom part (Q is block diagonal, so this is about half a full product).
 */
function multiplyOut(
  kept: Column[],
  u: Float64Array,
  m: number,
  m2: number,
  size: number,
  vectors: Float64Array,
): void {
  const k = kept.length;
  for (const [part, rows, rowOffset] of [
    ['top', m, 0],
    ['bottom', m2, m],
  ] as const) {
    const used: number[] = [];
    kept.forEach((column, index) => {
      if (column[part]) used.push(index);
    });
    if (used.length === 0) continue;
    const width = used.length;
    const q = sharedFloat64(rows * width);
    const uRows = sharedFloat64(width * k);
    used.forEach((index, c) => {
      const vector = kept[index]![part]!;
      for (let i = 0; i < rows; i++) q[i * width + c] = vector[i]!;
      uRows.set(u.subarray(index * k, (index + 1) * k), c * k);
    });
    parallelMultiplyAdd(
      { m: rows, n: k, k: width },
      { data: q, offset: 0, ld: width },
      { data: uRows, offset: 0, ld: k },
      { data: vectors, offset: rowOffset * size, ld: size },
    );
  }
}
