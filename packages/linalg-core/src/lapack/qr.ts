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

/** dgeqrf, with the reflectors kept: Q·V by dormqr on [V; 0] (O(rows·cols·k), where forming Q costs O(rows·cols²)). */
export function lapackHouseholderQr(lapack: NativeLapack, a: Float64Array, rows: number, cols: number) {
  const { work, tau, r } = factored(lapack, a, rows, cols);
  const multiplyQ = (v: Float64Array, k: number): Float64Array => {
    const c = new Float64Array(rows * k); // column-major rows×k
    for (let i = 0; i < cols; i++) for (let j = 0; j < k; j++) c[j * rows + i] = v[i * k + j]!;
    if (cols > 0) lapack.dormqrLeft(rows, k, cols, work, tau, c);
    return k === 1 ? c : transpose(c, k, rows);
  };
  return { r, multiplyQ };
}

/** dgeqrf of A in LAPACK's layout (reflectors and τ kept for dorgqr), and R read off its upper triangle. */
function factored(lapack: NativeLapack, a: Float64Array, rows: number, cols: number) {
  const r = new Float64Array(cols * cols);
  if (cols === 0) return { work: new Float64Array(0), tau: new Float64Array(0), r };
  const work = transpose(a, rows, cols); // column-major rows×cols
  const tau = new Float64Array(cols);
  lapack.dgeqrf(rows, cols, work, tau);
  for (let k = 0; k < cols; k++) {
    for (let i = 0; i <= k; i++) r[i * cols + k] = work[k * rows + i]!;
  }
  return { work, tau, r };
}
