import { MixedModelInputError, MixedModelNumericalError } from './errors.js';
import { logNormalDensity, millsRatio, normalUpperTail } from './normal-tail.js';
import { clusterBoundaries, GroupedLogSum } from './grouped-log-sum.js';
import { increasingRoot } from './roots.js';

/** Default largest half-width of a cluster of weights relative to its smallest |weight| (see GroupedLogSum). */
const CLUSTER_SPREAD = 0.1;

/** Step halvings of the trapezoidal rule after the first pair (each doubles the nodes). */
const MAX_HALVINGS = 8;

/** How a tail probability was computed. */
export type TailMethod =
  /** Tilted numerical inversion of the characteristic function (certified relative error). */
  | 'inversion'
  /** Lugannani–Rice saddlepoint approximation (Kuonen 1999). */
  | 'saddlepoint'
  /** Exactly 0 or 1: every weight has the same sign as the event requires or excludes. */
  | 'degenerate';

/** P(Σ_j w_j χ²_{ν_j} ≥ q) with what produced it. */
export interface MixtureTailProbability {
  /** The probability (may underflow to 0 below 1e-308; `logP` does not). */
  p: number;
  /** Natural log of p (−Infinity when p is exactly 0). */
  logP: number;
  method: TailMethod;
  /**
   * Estimated relative error of p. Inversion: the difference between two trapezoidal rules (step h and h/2,
   * the second returned) plus a rigorous truncation bound; since the rule converges geometrically this
   * overstates the error. Saddlepoint: the size of the next (second-order) term of the expansion.
   */
  relativeErrorEstimate: number;
}

export interface MixtureTailOptions {
  /** q in P(Σ w_j χ²_{ν_j} ≥ q); default 0. */
  threshold?: number;
  /** ν_j per weight, or one value for all; default 1. */
  degreesOfFreedom?: ArrayLike<number> | number;
  /** 'auto' (default): inversion, falling back to the saddlepoint only if inversion cannot certify its error. */
  method?: 'auto' | 'inversion' | 'saddlepoint';
  /** Relative error the inversion must certify (default 1e-7; the promise is 1e-6). */
  relativeTolerance?: number;
  /**
   * Inversion: weights within this relative half-width of each other are summed as one cluster by a Taylor series
   * whose truncation error is bounded and included in the error estimate (default 0.1; 0: every distinct weight
   * term by term, O(r) per node).
   */
  clusterSpread?: number;
}

/** Distinct nonzero weights, scaled so max |w| = 1, with their degrees of freedom; threshold scaled alike. */
interface Mixture {
  weights: Float64Array;
  dof: Float64Array;
  threshold: number;
  maxWeight: number;
  minWeight: number;
}

function normalise(weights: ArrayLike<number>, options: MixtureTailOptions): Mixture {
  const n = weights.length;
  const dofOption = options.degreesOfFreedom ?? 1;
  const threshold = options.threshold ?? 0;
  if (!Number.isFinite(threshold)) {
    throw new MixedModelInputError(`chi-square mixture: threshold must be finite, got ${threshold}`);
  }
  if (typeof dofOption !== 'number' && dofOption.length !== n) {
    throw new MixedModelInputError(
      `chi-square mixture: ${n} weights but ${dofOption.length} degrees of freedom; give one per weight`,
    );
  }
  let scale = 0;
  let nonzero = 0;
  for (let j = 0; j < n; j++) {
    const w = weights[j]!;
    const nu = typeof dofOption === 'number' ? dofOption : dofOption[j]!;
    if (!Number.isFinite(w)) throw new MixedModelInputError(`chi-square mixture: weight ${j} is ${w}; weights must be finite`);
    if (!(nu > 0) || !Number.isFinite(nu)) {
      throw new MixedModelInputError(`chi-square mixture: degrees of freedom ${j} is ${nu}; it must be positive`);
    }
    if (w !== 0) nonzero++;
    scale = Math.max(scale, Math.abs(w));
  }
  // Ascending nonzero weights with their dof (a typed-array sort when all dof are equal: 10⁴ weights are common).
  const sorted = new Float64Array(nonzero);
  const sortedDof = new Float64Array(nonzero);
  if (typeof dofOption === 'number') {
    for (let j = 0, q = 0; j < n; j++) if (weights[j]! !== 0) sorted[q++] = weights[j]!;
    sorted.sort();
    sortedDof.fill(dofOption);
  } else {
    const order = Array.from({ length: n }, (_, j) => j).filter((j) => weights[j]! !== 0);
    order.sort((a, b) => weights[a]! - weights[b]!);
    order.forEach((j, q) => {
      sorted[q] = weights[j]!;
      sortedDof[q] = dofOption[j]!;
    });
  }
  // Equal weights merge, adding their dof.
  let count = 0;
  for (let q = 0; q < nonzero; q++) {
    if (count > 0 && sorted[count - 1] === sorted[q]) {
      sortedDof[count - 1]! += sortedDof[q]!;
    } else {
      sorted[count] = sorted[q]!;
      sortedDof[count++] = sortedDof[q]!;
    }
  }
  const out = sorted.slice(0, count).map((w) => w / scale);
  const dof = sortedDof.slice(0, count);
  return {
    weights: out,
    dof,
    threshold: scale > 0 ? threshold / scale : threshold,
    maxWeight: out.length ? out[out.length - 1]! : 0,
    minWeight: out.length ? out[0]! : 0,
  };
}

/** Cumulant generating function of Q − q and its first derivatives, at a real point s. */
function cumulants(mix: Mixture, s: number): { k0: number; k1: number; k2: number; k3: number; k4: number } {
  const { weights, dof, threshold } = mix;
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j]!;
    const nu = dof[j]!;
    const b = (2 * w) / (1 - 2 * s * w);
    k0 -= 0.5 * nu * Math.log1p(-2 * s * w);
    const b2 = b * b;
    k1 += 0.5 * nu * b;
    k2 += 0.5 * nu * b2;
    k3 += nu * b2 * b;
    k4 += 3 * nu * b2 * b2;
  }
  return { k0: k0 - s * threshold, k1: k1 - threshold, k2, k3, k4 };
}

/**
 * The mixture with each cluster of weights replaced by one weight, their dof-weighted mean, carrying their dof:
 * its cumulants differ from the exact ones at second order in the spread. The largest weight stays alone, so the
 * proxy has the same pole 1/(2 max w).
 */
function clusteredProxy(mix: Mixture, spread: number): Mixture {
  const starts = clusterBoundaries(mix.weights, spread, true);
  const count = starts.length - 1;
  const weights = new Float64Array(count);
  const dof = new Float64Array(count);
  for (let g = 0; g < count; g++) {
    let nu = 0;
    let sum = 0;
    for (let j = starts[g]!; j < starts[g + 1]!; j++) {
      nu += mix.dof[j]!;
      sum += mix.dof[j]! * mix.weights[j]!;
    }
    weights[g] = sum / nu;
    dof[g] = nu;
  }
  return { ...mix, weights, dof };
}

/** P(Σ_j w_j χ²_{ν_j} ≥ q) for weights of any sign (see {@link MixtureTailOptions}). */
export function chiSquareMixtureTail(weights: ArrayLike<number>, options: MixtureTailOptions = {}): MixtureTailProbability {
  const mix = normalise(weights, options);
  const q = mix.threshold;
  // Q ≥ 0 surely when no weight is negative (and vice versa): the answer is exact.
  if (mix.weights.length === 0) return degenerate(q <= 0);
  if (mix.minWeight > 0 && q <= 0) return degenerate(true);
  if (mix.maxWeight < 0 && q >= 0) return degenerate(false);
  const method = options.method ?? 'auto';
  const tolerance = options.relativeTolerance ?? 1e-7;
  const spread = options.clusterSpread ?? CLUSTER_SPREAD;
  if (!(spread >= 0 && spread < 1)) {
    throw new MixedModelInputError(`chi-square mixture: clusterSpread must lie in [0, 1), got ${spread}`);
  }
  if (method === 'saddlepoint') return saddlepointTail(mix);
  const inverted = invertTilted(mix, tolerance, spread);
  if (inverted.relativeErrorEstimate <= tolerance || method === 'inversion') return inverted;
  const saddle = saddlepointTail(mix);
  return saddle.relativeErrorEstimate < inverted.relativeErrorEstimate ? saddle : inverted;
}

function degenerate(certain: boolean): MixtureTailProbability {
  return { p: certain ? 1 : 0, logP: certain ? 0 : -Infinity, method: 'degenerate', relativeErrorEstimate: 0 };
}

/**
 * Numerical inversion through the saddlepoint c of K(z) − log z (K: cumulant generating function of Q − q):
 *
 *   P(Q ≥ q) = (1/2πi) ∫_Γ e^{K(z)} dz / z,   Γ crossing the real axis at c (0 < c < 1/(2 max w)).
 *
 * e^{K(c)}/c carries the size of p (kept in log space, so no underflow at any depth) and the remaining integral
 * is of the order of its natural width, so the result has relative accuracy: nothing is subtracted from 1/2 as
 * in Imhof's form. Γ is z(u) = c + κ·s0(cosh u − 1) + i·s0·sinh u: for q = 0 (κ = 0) the vertical line, where
 * the sinh turns the algebraic tail of few weights into an exponential one; for q ≠ 0 it bends (κ = sign q) into
 * the half-plane where e^{−zq} decays. All singularities lie on the real axis, which Γ crosses only at c, so the
 * integrand is analytic in a strip |Im u| < δ and the trapezoidal rule in u converges geometrically, e^{−2πδ/h}.
 */
function invertTilted(mix: Mixture, tolerance: number, spread: number): MixtureTailProbability {
  const { weights, dof, threshold: q, maxWeight } = mix;
  const upper = maxWeight > 0 ? 1 / (2 * maxWeight) : Infinity;
  // Any c in (0, upper) gives the exact integral; the saddlepoint only makes it short. Locate it on the clustered
  // proxy (O(#clusters) per Newton step), then take K(c) and K''(c) exactly.
  const proxy = clusteredProxy(mix, spread);
  const c = increasingRoot(
    (s) => {
      const k = cumulants(proxy, s);
      return { value: k.k1 - 1 / s, slope: k.k2 + 1 / (s * s) };
    },
    0,
    upper,
    Number.isFinite(upper) ? 0.5 * upper : 1,
    'chi-square mixture: tilting point',
  );
  const { k0: logMgf, k2 } = cumulants(mix, c);
  const r = weights.length;
  const b = new Float64Array(r);
  let topIndex = 0;
  for (let j = 0; j < r; j++) {
    b[j] = (2 * weights[j]!) / (1 - 2 * c * weights[j]!);
    if (Math.abs(b[j]!) > Math.abs(b[topIndex]!)) topIndex = j;
  }
  const bTop = Math.abs(b[topIndex]!);
  const nuTop = dof[topIndex]!;
  // Σ ν_j log(1 − (z − c) b_j), clustered; its truncation error enters the error estimate below.
  const logTerms = new GroupedLogSum(b, dof, spread, 2e-3 * tolerance);
  const width = 1 / Math.sqrt(k2 + 1 / (c * c));
  const bend = Math.sign(q);
  // Distance from c to the nearest singularity (the pole at 0 or a branch point), in units of the width.
  const room = Math.min(c, 1 / bTop) / width;
  const strip = bend === 0 ? Math.asin(Math.min(1, room)) : Math.min(Math.PI / 4, 0.9 * Math.asin(Math.min(1, room / 1.3)));

  /**
   * Re[e^{K(z)−K(c)} · c/z · (dz/du)/i] at z(u); a bound on its error from the clustering; a bound on the rest of
   * the integral beyond u.
   */
  const node = (u: number): { value: number; valueError: number; tailBound: number } => {
    const sh = width * Math.sinh(u);
    const ch = width * Math.cosh(u);
    const shift = bend * (ch - width); // Re(z − c)
    // log(1 − (z − c) b_j) on the principal branch: Γ never meets the cut.
    logTerms.evaluate(shift, sh);
    const logModulus = -shift * q - 0.5 * logTerms.logRe;
    const phase = -sh * q - 0.5 * logTerms.logIm;
    const logError = 0.5 * logTerms.errorBound;
    // c/z · (dz/du)/i with z − c = shift + i·sh and (dz/du)/i = ch − i·bend·sh.
    const zRe = 1 + shift / c;
    const zIm = sh / c;
    const dRe = ch;
    const dIm = -bend * sh;
    const denom = zRe * zRe + zIm * zIm;
    const factorRe = (dRe * zRe + dIm * zIm) / denom;
    const factorIm = (dIm * zRe - dRe * zIm) / denom;
    const modulus = Math.exp(logModulus);
    const value = modulus * (Math.cos(phase) * factorRe - Math.sin(phase) * factorIm);
    const valueError = modulus * Math.hypot(factorRe, factorIm) * Math.expm1(logError);
    // The exact modulus is at most modulus·e^{logError}.
    const trueModulus = modulus * Math.exp(logError);
    if (bend !== 0) return { value, valueError, tailBound: trueModulus * Math.hypot(factorRe, factorIm) * ch };
    // Vertical line, y' ≥ y: 1 + y'²b² ≥ (1 + y²b²)·β·(y'/y)² with β = y²b²/(1 + y²b²), so for any set J of
    // weights |f(y')| ≤ e^{A(y)} Π_J β_j^{−ν_j/4} (y/y')^{a} c/y', a = Σ_J ν_j/2, and ∫_y^∞ ≤ e^{A(y)} Π_J β^{−ν/4} c/a.
    // J = {largest |b|} costs O(1); J = the clusters with y·min|b| ≥ 1 is much tighter for many weights and is
    // tried once the integrand itself is small.
    const yTop = sh * bTop;
    if (!(yTop > 0)) return { value, valueError, tailBound: Infinity };
    let tailBound = (trueModulus * Math.pow(1 + 1 / (yTop * yTop), nuTop / 4) * 2 * c) / nuTop;
    if (modulus * c < tolerance * width && tailBound > 1e-3 * tolerance * width) {
      const { logPenalty, halfDof } = logTerms.farPenalty(sh);
      tailBound = Math.min(tailBound, (trueModulus * Math.exp(logPenalty) * c) / halfDof);
    }
    return { value, valueError, tailBound };
  };

  let reference = width; // the order of the integral, refined as sums accumulate
  let clusteringError = 0; // Σ of the nodes' error bounds: every node scanned belongs to the finest rule
  const scan = (spacing: number, stride: number): { sum: number; bound: number } => {
    let sum = 0;
    for (let k = 1; k < 40000; k += stride) {
      const { value, valueError, tailBound } = node(k * spacing);
      sum += value;
      clusteringError += valueError;
      if (tailBound <= 1e-3 * tolerance * reference) return { sum, bound: tailBound };
    }
    return { sum, bound: Infinity };
  };
  // The node at u = 0 is width (f = 1 there); trapezoid sums at spacing h (even) and the midpoints (odd).
  let h = (2 * Math.PI * strip) / Math.log(1e8);
  const first = scan(h, 1);
  let evenSum = first.sum;
  reference = Math.abs(h * (0.5 * width + evenSum)) || width;
  let odd = scan(h / 2, 2);
  let truncation = Math.max(first.bound, odd.bound);
  let coarse = h * (0.5 * width + evenSum);
  let fine = (h / 2) * (0.5 * width + evenSum + odd.sum);
  for (let level = 0; level < MAX_HALVINGS && Math.abs(fine - coarse) > tolerance * Math.abs(fine); level++) {
    h /= 2;
    evenSum += odd.sum;
    reference = Math.abs(fine);
    odd = scan(h / 2, 2);
    truncation = Math.max(truncation, odd.bound);
    coarse = fine;
    fine = (h / 2) * (0.5 * width + evenSum + odd.sum);
  }
  if (!(fine > 0)) return { p: NaN, logP: NaN, method: 'inversion', relativeErrorEstimate: Infinity };
  const logP = logMgf - Math.log(c) - Math.log(Math.PI) + Math.log(fine);
  const relativeErrorEstimate = (Math.abs(fine - coarse) + truncation + (h / 2) * clusteringError) / fine;
  return { p: Math.min(1, Math.exp(logP)), logP: Math.min(0, logP), method: 'inversion', relativeErrorEstimate };
}

/**
 * Lugannani–Rice: p ≈ Φ̄(ŵ) + φ(ŵ)(1/û − 1/ŵ), ŵ = sign(ŝ)√(−2K(ŝ)), û = ŝ√K''(ŝ) with K'(ŝ) = 0 for
 * K the cumulant generating function of Q − q. In the upper tail, log p = log φ(ŵ) + log(R(ŵ) − 1/ŵ + 1/û) with
 * the Mills ratio R, so p never underflows. The error estimate is the size of the next term of the expansion.
 */
function saddlepointTail(mix: Mixture): MixtureTailProbability {
  const lo = mix.minWeight < 0 ? 1 / (2 * mix.minWeight) : -Infinity;
  const hi = mix.maxWeight > 0 ? 1 / (2 * mix.maxWeight) : Infinity;
  const derivative = (s: number) => {
    const k = cumulants(mix, s);
    return { value: k.k1, slope: k.k2 };
  };
  const s = Number.isFinite(lo)
    ? increasingRoot(derivative, lo, hi, Number.isFinite(hi) ? 0.5 * (lo + hi) : lo + 1, 'saddlepoint')
    : -increasingRoot((x) => { const d = derivative(-x); return { value: -d.value, slope: d.slope }; }, -hi, Infinity, -hi + 1, 'saddlepoint');
  const { k0, k2, k3, k4 } = cumulants(mix, s);
  const kappa3 = k3 / Math.pow(k2, 1.5);
  const kappa4 = k4 / (k2 * k2);
  const wHat = Math.sign(s) * Math.sqrt(Math.max(0, -2 * k0));
  const uHat = s * Math.sqrt(k2);
  if (Math.abs(wHat) < 1e-5 || Math.abs(uHat) < 1e-8) {
    // At the mean the expansion's limit is 1/2 − κ̂3/(6√(2π)).
    const p = 0.5 - kappa3 / (6 * Math.sqrt(2 * Math.PI));
    return { p, logP: Math.log(p), method: 'saddlepoint', relativeErrorEstimate: Math.abs(kappa4) / 24 + kappa3 * kappa3 / 72 };
  }
  const correction =
    (1 / uHat) * (kappa4 / 8 - (5 * kappa3 * kappa3) / 24) - 1 / uHat ** 3 - kappa3 / (2 * uHat * uHat) + 1 / wHat ** 3;
  if (wHat > 0) {
    const bracket = millsRatio(wHat) - 1 / wHat + 1 / uHat;
    if (!(bracket > 0)) {
      throw new MixedModelNumericalError(`saddlepoint approximation broke down (ŵ = ${wHat}, û = ${uHat})`);
    }
    const logP = logNormalDensity(wHat) + Math.log(bracket);
    return { p: Math.exp(logP), logP, method: 'saddlepoint', relativeErrorEstimate: Math.abs(correction / bracket) };
  }
  const density = Math.exp(logNormalDensity(wHat));
  const p = Math.min(1, Math.max(0, normalUpperTail(wHat) + density * (1 / uHat - 1 / wHat)));
  return { p, logP: Math.log(p), method: 'saddlepoint', relativeErrorEstimate: Math.abs((density * correction) / p) };
}
