/**
 * Thin Householder QR of a tall row-major matrix, in LAPACK's convention (dgeqrf/dorgqr): reflector j is
 * H_j = I − τ_j v vᵀ with v_j = 1 and β_j = −sign(α)·‖x‖, so both backends return the same Q and R, signs included.
 * Loops run along contiguous rows: a reflector's dot products with every later column are gathered in one pass.
 */

/** A = QR for A rows×cols (rows ≥ cols): Q rows×cols with orthonormal columns, R cols×cols upper triangular. */
export function thinQr(a: Float64Array, rows: number, cols: number, into?: Float64Array): { q: Float64Array; r: Float64Array } {
  const { w, tau, dots, r } = factored(a, rows, cols);
  const q = formQ(w, tau, rows, cols, dots);
  into?.set(q);
  return { q: into ?? q, r };
}

/** The reflectors kept: Q·[V; 0] applied a reflector at a time, the last first (as dormqr), O(rows·cols·k). */
export function householderQr(a: Float64Array, rows: number, cols: number): { r: Float64Array; multiplyQ: (v: Float64Array, k: number) => Float64Array } {
  const { w, tau, r } = factored(a, rows, cols);
  const multiplyQ = (v: Float64Array, k: number): Float64Array => {
    const out = new Float64Array(rows * k);
    out.set(v.subarray(0, cols * k));
    const dots = new Float64Array(k);
    for (let j = cols - 1; j >= 0; j--) applyReflector(w, cols, out, k, rows, j, tau[j]!, 0, dots);
    return out;
  };
  return { r, multiplyQ };
}

/** R alone (the reflectors are not turned into Q). */
export function qrTriangle(a: Float64Array, rows: number, cols: number): Float64Array {
  return factored(a, rows, cols).r;
}

/** The reflectors (in w below the diagonal) and τ, and R read off w's upper triangle. */
function factored(a: Float64Array, rows: number, cols: number) {
  const w = a.slice();
  const tau = new Float64Array(cols);
  const dots = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    tau[j] = reflect(w, rows, cols, j);
    applyReflector(w, cols, w, cols, rows, j, tau[j]!, j + 1, dots);
  }
  const r = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) r.set(w.subarray(i * cols + i, (i + 1) * cols), i * cols + i);
  return { w, tau, dots, r };
}

/**
 * The reflector that zeroes column j below the diagonal: β on the diagonal, v below it (v_j = 1 implied); returns τ.
 * A column already zero below the diagonal gets τ = 0 (H = I), as LAPACK's dlarfg does.
 */
function reflect(w: Float64Array, rows: number, cols: number, j: number): number {
  let below = 0;
  for (let i = j + 1; i < rows; i++) below += w[i * cols + j]! ** 2;
  if (below === 0) return 0;
  const alpha = w[j * cols + j]!;
  const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, Math.sqrt(below));
  const scale = 1 / (alpha - beta);
  for (let i = j + 1; i < rows; i++) w[i * cols + j]! *= scale;
  w[j * cols + j] = beta;
  return (beta - alpha) / beta;
}

/**
 * Columns from..width−1 of `target` (rows×width, rows ≥ j) := H_j · them, v read from column j of `w` (rows×cols)
 * below row j.
 */
function applyReflector(
  w: Float64Array, cols: number, target: Float64Array, width: number, rows: number, j: number, tau: number, from: number, dots: Float64Array,
): void {
  if (tau === 0 || from >= width) return;
  dots.fill(0, from, width);
  for (let i = j; i < rows; i++) {
    const v = i === j ? 1 : w[i * cols + j]!;
    const o = i * width;
    for (let k = from; k < width; k++) dots[k]! += v * target[o + k]!;
  }
  for (let i = j; i < rows; i++) {
    const v = tau * (i === j ? 1 : w[i * cols + j]!);
    const o = i * width;
    for (let k = from; k < width; k++) target[o + k]! -= v * dots[k]!;
  }
}

/** Q = H_0 ⋯ H_{cols−1} applied to the first cols columns of I, the last reflector first (as dorgqr). */
function formQ(w: Float64Array, tau: Float64Array, rows: number, cols: number, dots: Float64Array): Float64Array {
  const q = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) q[j * cols + j] = 1;
  for (let j = cols - 1; j >= 0; j--) applyReflector(w, cols, q, cols, rows, j, tau[j]!, j, dots);
  return q;
}
