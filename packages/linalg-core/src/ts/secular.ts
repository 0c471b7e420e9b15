/**
 * The merge step's linear algebra for divide and conquer (see divide-conquer.ts): deflation of
 * negligible z components and close pairs, then the roots of the secular equation
 * 1 + ρ Σ z_k²/(d_k − λ) = 0 and the eigenvectors of D + ρ ẑ ẑᵀ from the recomputed ẑ.
 */

/**
 * A column of Q = diag(Q₁, Q₂), split at row m. A part is null where it is zero; deflating
 * rotations can give a column both parts.
 */
export interface Column {
  value: number;
  z: number;
  top: Float64Array | null;
  bottom: Float64Array | null;
}

/**
 * Split the columns (sorted by value) into those the secular equation must treat and those that
 * are eigenpairs already: ρ|z_k| below the tolerance, or a close pair whose z can be rotated into
 * one of them at an off-diagonal cost |c s (d_k − d_p)| below it. The kept values come back sorted
 * and strictly increasing.
 */
export function deflate(
  columns: Column[],
  weight: number,
  m: number,
  m2: number,
): { kept: Column[]; deflated: Column[] } {
  let maxValue = 0;
  let maxZ = 0;
  for (const column of columns) {
    maxValue = Math.max(maxValue, Math.abs(column.value));
    maxZ = Math.max(maxZ, Math.abs(column.z));
  }
  const tol = 8 * Number.EPSILON * Math.max(maxValue, weight * maxZ);
  const deflated: Column[] = [];
  let candidates = columns.filter((column) => {
    if (weight * Math.abs(column.z) > tol) return true;
    deflated.push(column);
    return false;
  });
  // Rotations can reorder the values slightly; a second pass catches pairs that became adjacent.
  for (let pass = 0; pass < 2; pass++) {
    const kept: Column[] = [];
    let previous: Column | undefined;
    for (const current of candidates) {
      if (previous && absorbPair(previous, current, tol, m, m2)) deflated.push(previous);
      else if (previous) kept.push(previous);
      previous = current;
    }
    if (previous) kept.push(previous);
    kept.sort((x, y) => x.value - y.value);
    candidates = kept;
  }
  return { kept: candidates, deflated };
}

/**
 * Rotate columns p and k so that z_p becomes 0 (z_k takes the norm of the pair) if the coupling
 * this leaves between them is negligible; then p is deflated. Returns whether it was.
 */
function absorbPair(p: Column, k: Column, tol: number, m: number, m2: number): boolean {
  const tau = Math.hypot(p.z, k.z);
  const c = k.z / tau;
  const s = p.z / tau;
  if (Math.abs(c * s * (k.value - p.value)) > tol) return false;
  const dp = p.value;
  const dk = k.value;
  p.value = c * c * dp + s * s * dk;
  k.value = s * s * dp + c * c * dk;
  p.z = 0;
  k.z = tau;
  // New p = c·p − s·k, new k = s·p + c·k, part by part.
  [p.top, k.top] = rotateParts(p.top, k.top, c, s, m);
  [p.bottom, k.bottom] = rotateParts(p.bottom, k.bottom, c, s, m2);
  return true;
}

function rotateParts(
  x: Float64Array | null,
  y: Float64Array | null,
  c: number,
  s: number,
  length: number,
): [Float64Array | null, Float64Array | null] {
  if (!x && !y) return [null, null];
  const xs = x ?? new Float64Array(length);
  const ys = y ?? new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const xi = xs[i]!;
    const yi = ys[i]!;
    xs[i] = c * xi - s * yi;
    ys[i] = s * xi + c * yi;
  }
  return [xs, ys];
}

/**
 * Roots λ_0 < … < λ_{K−1} of 1 + ρ Σ z_k²/(d_k − λ) = 0 and the unit eigenvectors of D + ρ ẑ ẑᵀ
 * (K×K, row-major, column j for λ_j). Root j lies in (d_j, d_{j+1}) (the last in (d_{K−1},
 * d_{K−1} + ρ‖z‖²]) and is found as λ_j = d_o + τ from the nearer end o of its interval, so every
 * difference d_k − λ_j = (d_k − d_o) − τ keeps its relative accuracy.
 */
export function solveSecular(kept: Column[], weight: number): { values: Float64Array; vectors: Float64Array } {
  const k = kept.length;
  const d = Float64Array.from(kept, (column) => column.value);
  const z = Float64Array.from(kept, (column) => column.z);
  const z2 = Float64Array.from(z, (x) => x * x);
  let zNorm2 = 0;
  for (let i = 0; i < k; i++) zNorm2 += z2[i]!;
  const values = new Float64Array(k);
  // differences[i·k + j] = d_i − λ_j.
  const differences = new Float64Array(k * k);
  const delta = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const origin = chooseOrigin(d, z2, weight, j);
    const od = d[origin]!;
    for (let i = 0; i < k; i++) delta[i] = d[i]! - od;
    const lower = origin === j ? 0 : delta[j]!;
    const upper = j === k - 1 ? weight * zNorm2 : origin === j ? delta[j + 1]! : 0;
    const tau = secularRoot(delta, z2, weight, j, lower, upper);
    values[j] = od + tau;
    for (let i = 0; i < k; i++) differences[i * k + j] = delta[i]! - tau;
  }
  const vectors = differences;
  const zHat = recomputedZ(differences, d, z, weight);
  const norms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const zi = zHat[i]!;
    const o = i * k;
    for (let j = 0; j < k; j++) {
      const x = zi / differences[o + j]!;
      vectors[o + j] = x;
      norms[j]! += x * x;
    }
  }
  for (let j = 0; j < k; j++) norms[j] = 1 / Math.sqrt(norms[j]!);
  for (let i = 0; i < k; i++) {
    const o = i * k;
    for (let j = 0; j < k; j++) vectors[o + j]! *= norms[j]!;
  }
  return { values, vectors };
}

/** j or j+1: the end of root j's interval nearer the root, told by the sign of f at the midpoint. */
function chooseOrigin(d: Float64Array, z2: Float64Array, weight: number, j: number): number {
  if (j === d.length - 1) return j;
  const half = (d[j + 1]! - d[j]!) / 2;
  const dj = d[j]!;
  let f = 1 / weight;
  for (let i = 0; i < d.length; i++) f += z2[i]! / (d[i]! - dj - half);
  return f >= 0 ? j : j + 1;
}

const MAX_SECULAR_STEPS = 200;

/**
 * τ in (lower, upper) with g(τ) = 1/ρ + Σ z_k²/(δ_k − τ) = 0, g increasing there. Each step fits
 * g by E + B/(δ_j − τ) + D/(δ_{j+1} − τ), matching the two sums ψ (k ≤ j) and φ (k > j) and their
 * slopes at the current τ, and moves to the root of the fit (cubically convergent near the root);
 * a step that leaves the bracket known from the signs of g is replaced by bisection.
 */
function secularRoot(
  delta: Float64Array,
  z2: Float64Array,
  weight: number,
  j: number,
  lower: number,
  upper: number,
): number {
  const k = delta.length;
  const last = j === k - 1;
  let lo = lower;
  let hi = upper;
  let tau = last ? upper / 2 : (lo + hi) / 2;
  for (let step = 0; step < MAX_SECULAR_STEPS; step++) {
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let i = 0; i <= j; i++) {
      const r = 1 / (delta[i]! - tau);
      const t = z2[i]! * r;
      psi += t;
      dpsi += t * r;
    }
    for (let i = j + 1; i < k; i++) {
      const r = 1 / (delta[i]! - tau);
      const t = z2[i]! * r;
      phi += t;
      dphi += t * r;
    }
    const g = 1 / weight + psi + phi;
    if (g === 0) return tau;
    if (g < 0) lo = tau;
    else hi = tau;
    // |g| within the rounding of its own sum, or a bracket one ulp wide: τ is as good as it gets.
    const bound = 8 * Number.EPSILON * (1 / weight + Math.abs(psi) + Math.abs(phi));
    if (Math.abs(g) <= bound || hi - lo <= 2 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi))) return tau;

    const near = delta[j]! - tau;
    const b = dpsi * near * near;
    const a = psi - dpsi * near;
    let next: number;
    if (last) {
      // g ≈ E + B/(δ_j − τ − η) with E = 1/ρ + a: η = δ_j − τ + B/E.
      const e = 1 / weight + a;
      next = e > 0 ? tau + near + b / e : NaN;
    } else {
      const far = delta[j + 1]! - tau;
      const dd = dphi * far * far;
      const e = 1 / weight + a + phi - dphi * far;
      next = tau + fitRoot(e, b, dd, near, far, g);
    }
    if (next > lo && next < hi) {
      // A step below the rounding of τ itself stalls: the fit's root is the answer.
      if (Math.abs(next - tau) <= 2 * Number.EPSILON * Math.abs(tau)) return next;
      tau = next;
    } else {
      tau = (lo + hi) / 2;
    }
  }
  return tau;
}

/**
 * The root η in (near, far) of E + B/(near − η) + D/(far − η), i.e. of
 * E η² − (E(near + far) + B + D) η + g·near·far (g the fit's value at η = 0).
 */
function fitRoot(e: number, b: number, d: number, near: number, far: number, g: number): number {
  const qa = e;
  const qb = -(e * (near + far) + b + d);
  const qc = g * near * far;
  const lo = Math.min(near, far);
  const hi = Math.max(near, far);
  if (qa === 0) return qb === 0 ? NaN : -qc / qb;
  const root = Math.sqrt(Math.max(0, qb * qb - 4 * qa * qc));
  const q = -0.5 * (qb + (qb >= 0 ? root : -root));
  const r1 = q / qa;
  const r2 = q === 0 ? NaN : qc / q;
  if (r1 > lo && r1 < hi) return r1;
  if (r2 > lo && r2 < hi) return r2;
  return NaN;
}

/**
 * ẑ with D + ρ ẑ ẑᵀ having exactly the computed roots: ρ ẑ_i² = Π_j (λ_j − d_i) / Π_{k≠i} (d_k − d_i),
 * each factor pairing a root with a neighbouring pole so the partial products neither overflow nor
 * underflow; ẑ_i keeps the sign of z_i.
 */
function recomputedZ(differences: Float64Array, d: Float64Array, z: Float64Array, weight: number): Float64Array {
  const k = d.length;
  const zHat = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const o = i * k;
    let product = -differences[o + k - 1]! / weight;
    for (let j = 0; j < i; j++) product *= differences[o + j]! / (d[i]! - d[j]!);
    for (let j = i; j < k - 1; j++) product *= -differences[o + j]! / (d[j + 1]! - d[i]!);
    const magnitude = Math.sqrt(Math.max(product, 0));
    zHat[i] = z[i]! < 0 ? -magnitude : magnitude;
  }
  return zHat;
}
