/** Nodes x_i and weights w_i with Σ w_i g(x_i) ≈ ∫ g(x) e^{−x²} dx (physicists' Hermite weight). */
export interface HermiteRule {
  nodes: Float64Array;
  weights: Float64Array;
}

const MAX_ORDER = 300;
const cache = new Map<number, HermiteRule>();

/** Orthonormal Hermite polynomials p_{order} and p_{order−1} at x (three-term recurrence). */
function hermitePair(order: number, x: number): { current: number; previous: number } {
  let previous = 0;
  let current = Math.PI ** -0.25;
  for (let k = 0; k < order; k++) {
    const next = Math.sqrt(2 / (k + 1)) * x * current - Math.sqrt(k / (k + 1)) * previous;
    previous = current;
    current = next;
  }
  return { current, previous };
}

/**
 * The `order`-point Gauss–Hermite rule. The zeros of p_order are bracketed by a scan finer than
 * their smallest spacing (≈ π/√(2·order+1), at the centre), then bisected to machine precision;
 * weights are the Christoffel numbers 1/(order·p_{order−1}(x_i)²).
 */
export function gaussHermiteRule(order: number): HermiteRule {
  if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER) {
    throw new RangeError(`gaussHermiteRule: order must be an integer in 1..${MAX_ORDER}, got ${order}`);
  }
  const cached = cache.get(order);
  if (cached) return cached;
  const bound = Math.sqrt(2 * order + 1);
  const steps = Math.ceil((2 * bound) / ((0.1 * Math.PI) / bound));
  const nodes = new Float64Array(order);
  let found = 0;
  let left = -bound;
  let leftValue = hermitePair(order, left).current;
  for (let s = 1; s <= steps && found < order; s++) {
    const right = -bound + (2 * bound * s) / steps;
    const rightValue = hermitePair(order, right).current;
    if (rightValue === 0 || Math.sign(rightValue) !== Math.sign(leftValue)) {
      nodes[found++] = bisectRoot(order, left, right, leftValue);
    }
    left = right;
    leftValue = rightValue;
  }
  if (found !== order) throw new Error(`gaussHermiteRule: found ${found} of ${order} nodes (report this)`);
  const weights = nodes.map((x) => {
    const previous = hermitePair(order, x).previous;
    return 1 / (order * previous * previous);
  });
  const rule = { nodes, weights };
  cache.set(order, rule);
  return rule;
}

function bisectRoot(order: number, low: number, high: number, lowValue: number): number {
  let lo = low;
  let hi = high;
  const lowSign = Math.sign(lowValue);
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    const value = hermitePair(order, mid).current;
    if (value === 0) return mid;
    if (Math.sign(value) === lowSign) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** E[φ(u)φ(v)] and E[φ′(u)φ′(v)] for (u, v) ~ N(0, [[a, c], [c, b]]). */
export interface PairExpectations {
  valueProduct: number;
  derivativeProduct: number;
}

/**
 * Tensor-product Gauss–Hermite rule over the Cholesky factor of the 2×2 covariance:
 * u = √a·z₁, v = (c/√a)·z₁ + √(b − c²/a)·z₂ with z ~ N(0, I) and z = √2·x at the e^{−x²} nodes.
 */
export function gaussianPairExpectations(
  rule: HermiteRule,
  a: number,
  b: number,
  c: number,
  value: (x: number) => number,
  derivative: (x: number) => number,
): PairExpectations {
  const sa = Math.sqrt(Math.max(a, 0));
  const along = sa > 0 ? c / sa : 0;
  const across = Math.sqrt(Math.max(b - along * along, 0));
  const { nodes, weights } = rule;
  let valueProduct = 0;
  let derivativeProduct = 0;
  for (let i = 0; i < nodes.length; i++) {
    const z1 = Math.SQRT2 * nodes[i]!;
    const u = sa * z1;
    const vBase = along * z1;
    let valueSum = 0;
    let derivativeSum = 0;
    for (let j = 0; j < nodes.length; j++) {
      const v = vBase + across * Math.SQRT2 * nodes[j]!;
      valueSum += weights[j]! * value(v);
      derivativeSum += weights[j]! * derivative(v);
    }
    valueProduct += weights[i]! * value(u) * valueSum;
    derivativeProduct += weights[i]! * derivative(u) * derivativeSum;
  }
  return { valueProduct: valueProduct / Math.PI, derivativeProduct: derivativeProduct / Math.PI };
}
