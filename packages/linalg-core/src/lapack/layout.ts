/**
 * Moves between LAPACK's output order (column-major, eigenvalues ascending) and the backend
 * contract (row-major, eigenvalues descending).
 */

/** The values in reverse order (LAPACK's ascending eigenvalues → descending). */
export function reversed(values: Float64Array): Float64Array {
  return values.slice().reverse();
}

/** A copy of the row-major rows×cols matrix with its rows in reverse order. */
export function reversedRows(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(m.subarray(i * cols, (i + 1) * cols), (rows - 1 - i) * cols);
  return out;
}

/** Tile edge for the transpose: two 32×32 float64 tiles (16 KiB) stay in L1. */
const TILE = 32;

/**
 * Row-major U (n×n) whose column j is eigenvector n−1−j of `z`, the column-major eigenvectors
 * LAPACK returns in ascending order: U[i][j] = z[(n−1−j)·n + i]. Tiled for cache, writes sequential.
 */
export function descendingColumns(z: Float64Array, n: number): Float64Array {
  const u = new Float64Array(n * n);
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let j0 = 0; j0 < n; j0 += TILE) {
      const j1 = Math.min(n, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = j0; j < j1; j++) u[row + j] = z[(n - 1 - j) * n + i]!;
      }
    }
  }
  return u;
}

/** The row-major lower triangle mirrored into the upper one, in place. */
export function mirrorLowerToUpper(m: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) m[j * n + i] = m[i * n + j]!;
  }
}
