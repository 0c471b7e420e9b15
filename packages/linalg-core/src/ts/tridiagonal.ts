import { ReductionTeam, parallelMultiplyAdd, sharedFloat64 } from './parallel.js';
import { fusedUpdateAndProduct } from './tridiagonal-kernels.js';

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

/** Smallest normal number over ε: tails below it are zero to working precision in a scaled A. */
const NEGLIGIBLE_TAIL = 2.2250738585072014e-308 / Number.EPSILON;

/**
 * Overwrite row k, columns k+1…n−1 (the vector x), with v such that H x = β e_1; returns τ and
 * stores β in e[k]. The norm is scaled by max|x| so it neither overflows nor underflows.
 */
function makeReflector(a: Float64Array, n: number, k: number, e: Float64Array): number {
  const o = k * n;
  const x0 = a[o + k + 1]!;
  let scale = 0;
  for (let j = k + 2; j < n; j++) scale = Math.max(scale, Math.abs(a[o + j]!));
  // The caller scaled A to max|a_ij| ≤ 1 (or A = 0): a tail this small is far below rounding of
  // ‖A‖ and dropping it is exact to working precision, whereas 1/(x0 − β) could overflow from a
  // subnormal and give a reflector with no accurate digits.
  if (scale < NEGLIGIBLE_TAIL) {
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
 * Reduce the symmetric matrix in `work` (n×n, row-major; only the upper triangle is read), scaled
 * by the caller to max|a_ij| of order 1 as eigSym does (see NEGLIGIBLE_TAIL). `work` is consumed:
 * it becomes the returned `reflectors`.
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
  // there is no update to apply, which v = w = 0 expresses. v and vNext take turns in two shared
  // buffers (vs[parity] holds v) so worker threads can read them.
  const vs = [sharedFloat64(n), sharedFloat64(n)] as const;
  const w = sharedFloat64(n);
  let parity = 0;
  let p = new Float64Array(n);
  let pNext = new Float64Array(n);
  const team = ReductionTeam.start(a, n, vs, w);
  try {
    for (let r = 0; r < n - 2; r++) {
      const [v, vNext] = parity === 0 ? vs : [vs[1], vs[0]];
      // Row r gets the pending update of step r−1, then yields reflector r.
      updateRow(a, n, r, v, w);
      const t = makeReflector(a, n, r, e);
      tau[r] = t;
      const or = r * n;
      for (let j = r + 1; j < n; j++) {
        vNext[j] = a[or + j]!;
        pNext[j] = 0;
      }
      if (team?.worthSharing(r + 1)) team.pass(r + 1, parity, pNext);
      else fusedUpdateAndProduct(a, n, r + 1, n, v, w, vNext, pNext);
      parity = 1 - parity;
      [p, pNext] = [pNext, p];
      // p = τ A22 v, w = p − (τ/2)(pᵀv) v: step r is A22 ← A22 − v wᵀ − w vᵀ.
      let pv = 0;
      for (let j = r + 1; j < n; j++) {
        p[j]! *= t;
        pv += p[j]! * vNext[j]!;
      }
      const half = 0.5 * t * pv;
      for (let j = r + 1; j < n; j++) w[j] = p[j]! - half * vNext[j]!;
    }
  } finally {
    team?.close();
  }
  for (let i = n - 2; i < n; i++) updateRow(a, n, i, parity === 0 ? vs[0] : vs[1], w);
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

/** Reflectors combined into one block transform; also the width below which they go one by one. */
const WY_BLOCK = 64;

/** X ← Q X = H_0 ⋯ H_{n−3} X for X (n × cols, row-major). */
export function applyQ(t: Tridiagonal, x: Float64Array, cols: number): void {
  if (cols < WY_BLOCK) {
    for (let k = t.n - 3; k >= 0; k--) applyReflector(t, k, x, cols);
    return;
  }
  const count = Math.max(t.n - 2, 0);
  for (let k1 = count; k1 > 0; k1 -= WY_BLOCK) applyBlock(t, Math.max(0, k1 - WY_BLOCK), k1, x, cols);
}

/**
 * X ← H_{k0} ⋯ H_{k1−1} X through the compact WY form I − V T Vᵀ (V's columns the reflectors, T
 * upper triangular): two matrix products of width k1 − k0 instead of one pass over X per reflector.
 */
function applyBlock(t: Tridiagonal, k0: number, k1: number, x: Float64Array, cols: number): void {
  const { n, reflectors, tau } = t;
  const b = k1 - k0;
  const first = k0 + 1;
  const rows = n - first;
  // Vᵀ (b × rows) with its zeros explicit, and −V (rows × b).
  const vt = sharedFloat64(b * rows);
  const minusV = sharedFloat64(rows * b);
  for (let r = 0; r < b; r++) {
    const k = k0 + r;
    for (let i = k + 1; i < n; i++) {
      const vi = reflectors[k * n + i]!;
      vt[r * rows + i - first] = vi;
      minusV[(i - first) * b + r] = -vi;
    }
  }
  const tri = blockFactor(vt, tau, k0, b, rows);
  const w = sharedFloat64(b * cols);
  parallelMultiplyAdd(
    { m: b, n: cols, k: rows },
    { data: vt, offset: 0, ld: rows },
    { data: x, offset: first * cols, ld: cols },
    { data: w, offset: 0, ld: cols },
  );
  // W ← T W in place: row i of T W uses rows i… of W only.
  for (let i = 0; i < b; i++) {
    const oi = i * cols;
    const tii = tri[i * b + i]!;
    for (let c = 0; c < cols; c++) w[oi + c]! *= tii;
    for (let l = i + 1; l < b; l++) {
      const til = tri[i * b + l]!;
      if (til === 0) continue;
      const ol = l * cols;
      for (let c = 0; c < cols; c++) w[oi + c]! += til * w[ol + c]!;
    }
  }
  parallelMultiplyAdd(
    { m: rows, n: cols, k: b },
    { data: minusV, offset: 0, ld: b },
    { data: w, offset: 0, ld: cols },
    { data: x, offset: first * cols, ld: cols },
  );
}

/**
 * T (b × b, upper triangular) with H_{k0} ⋯ H_{k0+b−1} = I − V T Vᵀ: column j is
 * T_{:j, j} = −τ_j T_{:j, :j} (V_{:, :j}ᵀ v_j), T_jj = τ_j.
 */
function blockFactor(vt: Float64Array, tau: Float64Array, k0: number, b: number, rows: number): Float64Array {
  const tri = new Float64Array(b * b);
  const g = new Float64Array(b);
  for (let j = 0; j < b; j++) {
    const tj = tau[k0 + j]!;
    const oj = j * rows;
    for (let i = 0; i < j; i++) {
      const oi = i * rows;
      let s = 0;
      for (let r = 0; r < rows; r++) s += vt[oi + r]! * vt[oj + r]!;
      g[i] = s;
    }
    for (let i = 0; i < j; i++) {
      let s = 0;
      for (let l = i; l < j; l++) s += tri[i * b + l]! * g[l]!;
      tri[i * b + j] = -tj * s;
    }
    tri[j * b + j] = tj;
  }
  return tri;
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
