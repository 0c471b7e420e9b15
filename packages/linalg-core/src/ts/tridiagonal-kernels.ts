/** The inner kernel of the Householder tridiagonalisation, in a module of its own so worker threads can load its source. */

/**
 * For rows first ≤ i < last: row i ← row i of A − v wᵀ − w vᵀ (step k), then add that row's share of
 * A·vNext to pNext (step k+1; upper triangle, so row i gives (A vNext)_i over j ≥ i and scatters
 * a_ij·vNext_i into j > i). Four rows at a time (then two, then one), sharing the loads of v, w,
 * vNext and pNext. Row ranges are independent but for the sums into pNext, so threads can split them.
 */
export function fusedUpdateAndProduct(
  a: Float64Array,
  n: number,
  first: number,
  last: number,
  v: Float64Array,
  w: Float64Array,
  vNext: Float64Array,
  pNext: Float64Array,
): void {
  let i = first;
  for (; i + 3 < last; i += 4) fourRows(a, n, i, v, w, vNext, pNext);
  for (; i + 1 < last; i += 2) {
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
  if (i < last) {
    // A last unpaired row (the final row of A, or the end of a thread's range).
    const o = i * n;
    const vi = v[i]!;
    const wi = w[i]!;
    const ui = vNext[i]!;
    const aii = a[o + i]! - 2 * vi * wi;
    a[o + i] = aii;
    let s = aii * ui;
    for (let j = i + 1; j < n; j++) {
      const x = a[o + j]! - vi * w[j]! - wi * v[j]!;
      a[o + j] = x;
      s += x * vNext[j]!;
      pNext[j]! += x * ui;
    }
    pNext[i]! += s;
  }
}

/** Rows i…i+3 of fusedUpdateAndProduct: their 4×4 diagonal block, then the columns past it. */
function fourRows(
  a: Float64Array,
  n: number,
  i: number,
  v: Float64Array,
  w: Float64Array,
  vNext: Float64Array,
  pNext: Float64Array,
): void {
  const o1 = i * n;
  const o2 = o1 + n;
  const o3 = o2 + n;
  const o4 = o3 + n;
  const v1 = v[i]!, v2 = v[i + 1]!, v3 = v[i + 2]!, v4 = v[i + 3]!;
  const w1 = w[i]!, w2 = w[i + 1]!, w3 = w[i + 2]!, w4 = w[i + 3]!;
  const u1 = vNext[i]!, u2 = vNext[i + 1]!, u3 = vNext[i + 2]!, u4 = vNext[i + 3]!;
  const a11 = (a[o1 + i]! -= 2 * v1 * w1);
  const a12 = (a[o1 + i + 1]! -= v1 * w2 + w1 * v2);
  const a13 = (a[o1 + i + 2]! -= v1 * w3 + w1 * v3);
  const a14 = (a[o1 + i + 3]! -= v1 * w4 + w1 * v4);
  const a22 = (a[o2 + i + 1]! -= 2 * v2 * w2);
  const a23 = (a[o2 + i + 2]! -= v2 * w3 + w2 * v3);
  const a24 = (a[o2 + i + 3]! -= v2 * w4 + w2 * v4);
  const a33 = (a[o3 + i + 2]! -= 2 * v3 * w3);
  const a34 = (a[o3 + i + 3]! -= v3 * w4 + w3 * v4);
  const a44 = (a[o4 + i + 3]! -= 2 * v4 * w4);
  let s1 = a11 * u1 + a12 * u2 + a13 * u3 + a14 * u4;
  let s2 = a12 * u1 + a22 * u2 + a23 * u3 + a24 * u4;
  let s3 = a13 * u1 + a23 * u2 + a33 * u3 + a34 * u4;
  let s4 = a14 * u1 + a24 * u2 + a34 * u3 + a44 * u4;
  for (let j = i + 4; j < n; j++) {
    const wj = w[j]!;
    const vj = v[j]!;
    const uj = vNext[j]!;
    const x1 = a[o1 + j]! - v1 * wj - w1 * vj;
    const x2 = a[o2 + j]! - v2 * wj - w2 * vj;
    const x3 = a[o3 + j]! - v3 * wj - w3 * vj;
    const x4 = a[o4 + j]! - v4 * wj - w4 * vj;
    a[o1 + j] = x1;
    a[o2 + j] = x2;
    a[o3 + j] = x3;
    a[o4 + j] = x4;
    s1 += x1 * uj;
    s2 += x2 * uj;
    s3 += x3 * uj;
    s4 += x4 * uj;
    pNext[j]! += x1 * u1 + x2 * u2 + x3 * u3 + x4 * u4;
  }
  pNext[i]! += s1;
  pNext[i + 1]! += s2;
  pNext[i + 2]! += s3;
  pNext[i + 3]! += s4;
}

/** The kernel as plain JavaScript (its compiled source), for worker threads. */
export function fusedKernelSource(): string {
  return [fusedUpdateAndProduct, fourRows].map((f) => f.toString()).join('\n');
}
