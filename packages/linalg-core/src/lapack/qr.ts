import { transpose } from '../ts/dense.js';
import type { NativeLapack } from './native.js';

/**
 * Thin QR through dgeqrf + dorgqr. Row-major A (rows×cols) read column-major is Aᵀ, so A is transposed into
 * LAPACK's layout first and Q transposed back; R is read off the upper triangle of the factored array.
 */
export function lapackThinQr(lapack: NativeLapack, a: Float64Array, rows: number, cols: number, into?: Float64Array): { q: Float64Array; r: Float64Array } {
  if (cols === 0) return { q: into ?? new Float64Array(0), r: new Float64Array(0) };
  const { work, tau, r } = factored(lapack, a, rows, cols);
  lapack.dorgqr(rows, cols, work, tau);
  return { q: transpose(work, cols, rows, into), r };
}

/** R alone: dgeqrf without dorgqr. */
export function lapackQrTriangle(lapack: NativeLapack, a: Float64Array, rows: number, cols: number): Float64Array {
  return cols === 0 ? new Float64Array(0) : factored(lapack, a, rows, cols).r;
}

/** dgeqrf of A in LAPACK's layout (reflectors and τ kept for dorgqr), and R read off its upper triangle. */
function factored(lapack: NativeLapack, a: Float64Array, rows: number, cols: number) {
  const r = new Float64Array(cols * cols);
  const work = transpose(a, rows, cols); // column-major rows×cols
  const tau = new Float64Array(cols);
  lapack.dgeqrf(rows, cols, work, tau);
  for (let k = 0; k < cols; k++) {
    for (let i = 0; i <= k; i++) r[i * cols + k] = work[k * rows + i]!;
  }
  return { work, tau, r };
}
