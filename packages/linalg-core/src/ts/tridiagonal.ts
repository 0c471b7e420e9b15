/**
 * Householder reduction of a symmetric matrix to tridiagonal form, T = Qᵀ A Q with
 * Q = H_0 H_1 ⋯ H_{n−3} and H_k = I − τ_k v_k v_kᵀ (v_k zero before index k+1, v_k[k+1] = 1).
 *
 * Works on the upper triangle of a row-major copy: row k then holds v_k in columns k+1…n−1, so
 * every loop runs along contiguous rows. The rank-2 update of step k is fused with the
 * matrix-vector product of step k+1, so the trailing triangle is streamed once per step.
 */
export interface Tridiagonal {
  n: number;
  /** Diagonal of T. */
  d: Float64Array;
  /** Off-diagonal of T: e[i] couples i and i+1. */
  e: Float64Array;
  /** n×n row-major; row k, columns k+1…n−1, holds v_k (k ≤ n−3). */
  reflectors: Float64Array;
  /** τ_k (0 for an identity reflector). */
  tau: Float64Array;
}

/**
 * Overwrite row k, columns k+1…n−1 (the vector x), with v such that H x = β e_1; returns τ and
 * stores β in e[k]. The norm is scaled by max|x| so it neither overflows nor underflows.
 */
function makeReflector(a: Float64Array, n: number, k: number, e: Float64Array): number {
  const o = k * n;
  const x0 = a[o + k + 1]!;
  let scale = 0;
  for (let j = k + 2; j < n; j++) scale = Math.max(scale, Math.abs(a[o + j]!));
  if (scale === 0) {
    e[k] = x0;
    a[o + k + 1] = 1;
    return 0;
  }
  let sum = 0;
  for (let j = k + 2; j < n; j++) {
    const t = a[o + j]! / scale;
    sum += t * t;
  }
  const tailNorm = scale * Math.sqrt(sum);
  const beta = x0 >= 0 ? -Math.hypot(x0, tailNorm) : Math.hypot(x0, tailNorm);
  const inv = 1 / (x0 - beta);
  for (let j = k + 2; j < n; j++) a[o + j]! *= inv;
  a[o + k + 1] = 1;
  e[k] = beta;
  return (beta - x0) / beta;
}

/**
 * Reduce the symmetric matrix in `work` (n×n, row-major; only the upper triangle is read). `work`
 * is consumed: it becomes the returned `reflectors`.
 */
export function tridiagonalize(work: Float64Array, n: number): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const tau = new Float64Array(Math.max(n - 2, 0));
  if (n > 2) reduce(work, n, e, tau);
  for (let i = 0; i < n; i++) d[i] = work[i * n + i]!;
  if (n > 1) e[n - 2] = work[(n - 2) * n + n - 1]!;
  return { n, d, e, reflectors: work, tau };
}

function reduce(a: Float64Array, n: number, e: Float64Array, tau: Float64Array): void {
  // Vectors indexed like the matrix; only entries past the current step are live. Before step 0
  // there is no update to apply, which v = w = 0 expresses.
  let v = new Float64Array(n);
  let p = new Float64Array(n);
  let vNext = new Float64Array(n);
  let pNext = new Float64Array(n);
  const w = new Float64Array(n);

  for (let r = 0; r < n - 2; r++) {
    // Row r gets the pending update of step r−1, then yields reflector r.
    updateRow(a, n, r, v, w);
    const t = makeReflector(a, n, r, e);
    tau[r] = t;
    const or = r * n;
    for (let j = r + 1; j < n; j++) {
      vNext[j] = a[or + j]!;
      pNext[j] = 0;
    }
    fusedUpdateAndProduct(a, n, r + 1, v, w, vNext, pNext);
    [v, vNext] = [vNext, v];
    [p, pNext] = [pNext, p];
    // p = τ A22 v, w = p − (τ/2)(pᵀv) v: step r is A22 ← A22 − v wᵀ − w vᵀ.
    let pv = 0;
    for (let j = r + 1; j < n; j++) {
      p[j]! *= t;
      pv += p[j]! * v[j]!;
    }
    const half = 0.5 * t * pv;
    for (let j = r + 1; j < n; j++) w[j] = p[j]! - half * v[j]!;
  }
  for (let i = n - 2; i < n; i++) updateRow(a, n, i, v, w);
}

/**
 * For rows i ≥ first: row i ← row i of A − v wᵀ − w vᵀ (step k), then add that row's share of
 * A·vNext to pNext (step k+1; upper triangle, so row i gives (A vNext)_i over j ≥ i and scatters
 * a_ij·vNext_i into j > i). Two rows at a time, sharing the loads of v, w, vNext and pNext.
 */
function fusedUpdateAndProduct(
  a: Float64Array,
  n: number,
  first: number,
  v: Float64Array,
  w: Float64Array,
  vNext: Float64Array,
  pNext: Float64Array,
): void {
  let i = first;
  for (; i + 1 < n; i += 2) {
    const o1 = i * n;
    const o2 = o1 + n;
    const v1 = v[i]!;
    const w1 = w[i]!;
    const u1 = vNext[i]!;
    const v2 = v[i + 1]!;
    const w2 = w[i + 1]!;
    const u2 = vNext[i + 1]!;
    const a11 = a[o1 + i]! - 2 * v1 * w1;
    const a12 = a[o1 + i + 1]! - v1 * w2 - w1 * v2;
    const a22 = a[o2 + i + 1]! - 2 * v2 * w2;
    a[o1 + i] = a11;
    a[o1 + i + 1] = a12;
    a[o2 + i + 1] = a22;
    let s1 = a11 * u1 + a12 * u2;
    let s2 = a12 * u1 + a22 * u2;
    for (let j = i + 2; j < n; j++) {
      const wj = w[j]!;
      const vj = v[j]!;
      const uj = vNext[j]!;
      const x1 = a[o1 + j]! - v1 * wj - w1 * vj;
      const x2 = a[o2 + j]! - v2 * wj - w2 * vj;
      a[o1 + j] = x1;
      a[o2 + j] = x2;
      s1 += x1 * uj;
      s2 += x2 * uj;
      pNext[j]! += x1 * u1 + x2 * u2;
    }
    pNext[i]! += s1;
    pNext[i + 1]! += s2;
  }
  if (i < n) {
    const aii = a[i * n + i]! - 2 * v[i]! * w[i]!;
    a[i * n + i] = aii;
    pNext[i]! += aii * vNext[i]!;
  }
}

/** Row i, columns i…n−1, of A − v wᵀ − w vᵀ. */
function updateRow(a: Float64Array, n: number, i: number, v: Float64Array, w: Float64Array): void {
  const o = i * n;
  const vi = v[i]!;
  const wi = w[i]!;
  for (let j = i; j < n; j++) a[o + j]! -= vi * w[j]! + wi * v[j]!;
}

/** B ← Qᵀ B = H_{n−3} ⋯ H_0 B for B (n × cols, row-major). */
export function applyQTransposed(t: Tridiagonal, b: Float64Array, cols: number): void {
  for (let k = 0; k < t.n - 2; k++) applyReflector(t, k, b, cols);
}

/** X ← Q X = H_0 ⋯ H_{n−3} X for X (n × cols, row-major). */
export function applyQ(t: Tridiagonal, x: Float64Array, cols: number): void {
  for (let k = t.n - 3; k >= 0; k--) applyReflector(t, k, x, cols);
}

/** X ← H_k X: wᵀ = v_kᵀ X, then X −= τ v_k wᵀ, both along contiguous rows of X. */
function applyReflector(t: Tridiagonal, k: number, x: Float64Array, cols: number): void {
  const tk = t.tau[k]!;
  if (tk === 0) return;
  const { n, reflectors } = t;
  const o = k * n;
  const w = new Float64Array(cols);
  for (let i = k + 1; i < n; i++) {
    const vi = reflectors[o + i]!;
    const oi = i * cols;
    for (let c = 0; c < cols; c++) w[c]! += vi * x[oi + c]!;
  }
  for (let i = k + 1; i < n; i++) {
    const f = tk * reflectors[o + i]!;
    const oi = i * cols;
    for (let c = 0; c < cols; c++) x[oi + c]! -= f * w[c]!;
  }
}

/** Rows of Qᵀ formed together: they stay in cache while every reflector passes over them. */
const PANEL_ROWS = 16;

/**
 * Qᵀ explicitly (n×n), as I·H_{n−3}⋯H_0. Right-multiplication acts on each row on its own, and
 * row i of the identity is untouched by H_k for k ≥ i, so each panel of rows starts at the first
 * reflector that reaches it: 4n³/3 flops instead of the 2n³ of applying Qᵀ to I.
 */
export function formQTransposed(t: Tridiagonal): Float64Array {
  const { n, reflectors, tau } = t;
  const y = new Float64Array(n * n);
  for (let i = 0; i < n; i++) y[i * n + i] = 1;
  for (let i0 = 1; i0 < n; i0 += PANEL_ROWS) {
    const i1 = Math.min(n, i0 + PANEL_ROWS);
    for (let k = Math.min(i1 - 2, n - 3); k >= 0; k--) {
      const tk = tau[k]!;
      if (tk === 0) continue;
      const o = k * n;
      // Rows in pairs, sharing the loads of v_k.
      let i = Math.max(i0, k + 1);
      for (; i + 1 < i1; i += 2) {
        const o1 = i * n;
        const o2 = o1 + n;
        let s1 = 0;
        let s2 = 0;
        for (let j = k + 1; j < n; j++) {
          const vj = reflectors[o + j]!;
          s1 += y[o1 + j]! * vj;
          s2 += y[o2 + j]! * vj;
        }
        const f1 = tk * s1;
        const f2 = tk * s2;
        for (let j = k + 1; j < n; j++) {
          const vj = reflectors[o + j]!;
          y[o1 + j]! -= f1 * vj;
          y[o2 + j]! -= f2 * vj;
        }
      }
      if (i < i1) {
        const oi = i * n;
        let s = 0;
        for (let j = k + 1; j < n; j++) s += y[oi + j]! * reflectors[o + j]!;
        const f = tk * s;
        for (let j = k + 1; j < n; j++) y[oi + j]! -= f * reflectors[o + j]!;
      }
    }
  }
  return y;
}
