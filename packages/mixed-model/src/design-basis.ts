import { gemm, Matrix64, thinQr } from '@duality/linalg-core';

/*
 * An orthonormal basis of the design's coordinates Z = UᵀX (math.md §7.3): a thin QR Z = Q_Z R through the linear
 * algebra backend (LAPACK's dgeqrf where available), O(n p²), and never an n×n projector: P v = v − Q_Z(Q_Zᵀv).
 * Only the rows where Z is nonzero enter the QR: all n on a dense fit, r + b on a low-rank one (its coordinates are
 * zero past them), so the cost there is O((r + b) p²).
 */

export interface DesignBasis {
  /** The rows of Z with a nonzero entry, ascending (the QR's rows). */
  readonly rows: Int32Array;
  /** Q_Z on those rows (rows.length × p), orthonormal columns. */
  readonly q: Matrix64;
  /** R (p×p, upper triangular) with RᵀR = ZᵀZ. */
  readonly r: Matrix64;
}

const cache = new WeakMap<Matrix64, DesignBasis>();

/** |R_jj| at or below this fraction of the largest marks column j as spanned by the columns before it. */
const DEPENDENT_COLUMN = 1e-10;

/** Rows of an n×w matrix with a nonzero entry (a plain loop: a low-rank fit's n×p coordinates are mostly zero rows). */
export function activeRows(m: Matrix64): Int32Array {
  const { data, cols } = m;
  const rows: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    const end = (i + 1) * cols;
    let x = i * cols;
    while (x < end && data[x] === 0) x++;
    if (x < end) rows.push(i);
  }
  return Int32Array.from(rows);
}

/** The columns `kept` of Z, ascending, with only its nonzero rows copied (the others stay zero, untouched). */
export function keptColumns(z: Matrix64, kept: Int32Array): Matrix64 {
  const { rows } = designBasis(z);
  const p = z.cols;
  const width = kept.length;
  const out = new Matrix64(z.rows, width);
  for (const i of rows) for (let a = 0; a < width; a++) out.data[i * width + a] = z.data[i * p + kept[a]!]!;
  return out;
}

/** The rows `rows` of m, in order. */
export function gatherRows(m: Matrix64, rows: Int32Array): Matrix64 {
  const out = new Matrix64(rows.length, m.cols);
  rows.forEach((i, q) => out.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), q * m.cols));
  return out;
}

/** The thin QR of Z's nonzero rows, computed once per Z (the fit's checks, the test and its callers share it). */
export function designBasis(z: Matrix64): DesignBasis {
  let basis = cache.get(z);
  if (!basis) {
    const rows = activeRows(z);
    const { q, r } = thinQr(gatherRows(z, rows));
    basis = { rows, q, r };
    cache.set(z, basis);
  }
  return basis;
}

/** P c = c − Q_Z(Q_Zᵀc) for c (n×k) in the fit's coordinates (rows outside the basis's are left as they are). */
export function projectOutDesign(basis: DesignBasis, c: Matrix64): Matrix64 {
  const { rows, q } = basis;
  const part = gatherRows(c, rows);
  const along = gemm(q, gemm(q, part, { transA: true }));
  const out = c.clone();
  const k = c.cols;
  rows.forEach((i, row) => {
    for (let j = 0; j < k; j++) out.data[i * k + j]! -= along.data[row * k + j]!;
  });
  return out;
}

/** The columns of Z that carry a direction of their own (the rule of `firstDependentColumn`), ascending. */
export function independentColumns(basis: DesignBasis, relative = DEPENDENT_COLUMN): Int32Array {
  const { r } = basis;
  const p = r.cols;
  let largest = 0;
  for (let j = 0; j < p; j++) largest = Math.max(largest, Math.abs(r.data[j * p + j]!));
  const kept: number[] = [];
  for (let j = 0; j < p; j++) if (Math.abs(r.data[j * p + j]!) > relative * largest) kept.push(j);
  return Int32Array.from(kept);
}

/**
 * Whether each column of Z carries a direction of its own: |R_jj| above `relative` times the largest (an unpivoted
 * Householder QR makes R_jj ≈ 0 exactly when column j lies in the span of columns 0..j−1). Returns the first column
 * that does not, or −1.
 */
export function firstDependentColumn(basis: DesignBasis, relative = DEPENDENT_COLUMN): number {
  const kept = independentColumns(basis, relative);
  const j = kept.findIndex((column, index) => column !== index);
  return j >= 0 ? j : kept.length < basis.r.cols ? kept.length : -1;
}
