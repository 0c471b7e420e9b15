/**
 * Helpers for causal T×T matrices, stored row-major in a Float64Array of length T·T. Every map the solvers
 * build is causal: row t has support on columns 0..t, so loops stop at the diagonal.
 */

/** out[j] += Σ_{s<count} coeff[coeffAt + s] · src[s·stride + j] for j < width. */
export function accumulateRows(
  out: Float64Array,
  outAt: number,
  coeff: Float64Array,
  coeffAt: number,
  count: number,
  src: Float64Array,
  stride: number,
  width: number,
): void {
  for (let s = 0; s < count; s++) {
    const c = coeff[coeffAt + s]!;
    if (c === 0) continue;
    const base = s * stride;
    for (let j = 0; j < width; j++) out[outAt + j]! += c * src[base + j]!;
  }
}

/**
 * row[u] += weight · A[t,·] C A[u,·]ᵀ for u ≤ t, where A's rows are causal (support 0..row index) and
 * C is symmetric T×T. `scratch` has length ≥ T. Costs O(t²).
 */
export function addCorrelationRow(
  row: Float64Array,
  A: Float64Array,
  C: Float64Array,
  T: number,
  t: number,
  weight: number,
  scratch: Float64Array,
): void {
  const at = t * T;
  for (let j = 0; j <= t; j++) scratch[j] = 0;
  for (let i = 0; i <= t; i++) {
    const a = A[at + i]!;
    if (a === 0) continue;
    const ci = i * T;
    for (let j = 0; j <= t; j++) scratch[j]! += a * C[ci + j]!;
  }
  for (let u = 0; u <= t; u++) {
    const au = u * T;
    let sum = 0;
    for (let j = 0; j <= u; j++) sum += A[au + j]! * scratch[j]!;
    row[u]! += weight * sum;
  }
}

/** Write row[0..t] into row t and column t of the symmetric matrix S. */
export function setSymmetricRow(S: Float64Array, T: number, t: number, row: Float64Array): void {
  for (let u = 0; u <= t; u++) {
    S[t * T + u] = row[u]!;
    S[u * T + t] = row[u]!;
  }
}

export function diagonal(S: Float64Array, T: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) out[t] = S[t * T + t]!;
  return out;
}
