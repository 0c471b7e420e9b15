import { GroupedLogSum } from './grouped-log-sum.js';
import { clusteredProxy, cumulants, type Mixture, type MixtureTailProbability } from './mixture.js';
import { increasingRoot } from './roots.js';

/** Step halvings of the trapezoidal rule after the first pair (each doubles the nodes). */
const MAX_HALVINGS = 8;

/** The contour Γ through the tilting point and what every node on it needs. */
interface TiltedContour {
  /** The tilting point, 0 < c < 1/(2 max w). */
  c: number;
  /** K(c), the log of the moment generating function of Q − q at c. */
  logMgf: number;
  /** The (scaled) threshold q. */
  q: number;
  /** The natural width 1/√(K''(c) + 1/c²) of the integrand at c (s0 in z(u)). */
  width: number;
  /** κ = sign q: how far Γ bends into the half-plane where e^{−zq} decays. */
  bend: number;
  /** Half-width δ of the strip |Im u| < δ where the integrand is analytic. */
  strip: number;
  /** The largest |b_j| = |2w_j/(1 − 2cw_j)| and its degrees of freedom. */
  bTop: number;
  nuTop: number;
  /** Σ ν_j log(1 − (z − c) b_j), clustered. */
  logTerms: GroupedLogSum;
  /** The relative error the inversion must certify. */
  tolerance: number;
}

/** One node of the trapezoidal rule on Γ. */
interface ContourNode {
  value: number;
  valueError: number;
  tailBound: number;
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
export function invertTilted(mix: Mixture, tolerance: number, spread: number): MixtureTailProbability {
  const contour = tiltedContour(mix, tolerance, spread);
  const { c, logMgf } = contour;
  const { fine, coarse, truncation, h, clusteringError } = refineTrapezoid(contour);
  if (!(fine > 0)) return { p: NaN, logP: NaN, method: 'inversion', relativeErrorEstimate: Infinity };
  const logP = logMgf - Math.log(c) - Math.log(Math.PI) + Math.log(fine);
  const relativeErrorEstimate = (Math.abs(fine - coarse) + truncation + (h / 2) * clusteringError) / fine;
  return { p: Math.min(1, Math.exp(logP)), logP: Math.min(0, logP), method: 'inversion', relativeErrorEstimate };
}

/** The tilting point c, the b vector and its clustered log-sum, the width of the integrand and the strip δ. */
function tiltedContour(mix: Mixture, tolerance: number, spread: number): TiltedContour {
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
  // Σ ν_j log(1 − (z − c) b_j), clustered; its truncation error enters the error estimate (contourNode).
  const logTerms = new GroupedLogSum(b, dof, spread, 2e-3 * tolerance);
  const width = 1 / Math.sqrt(k2 + 1 / (c * c));
  const bend = Math.sign(q);
  // Distance from c to the nearest singularity (the pole at 0 or a branch point), in units of the width.
  const room = Math.min(c, 1 / bTop) / width;
  const strip = bend === 0 ? Math.asin(Math.min(1, room)) : Math.min(Math.PI / 4, 0.9 * Math.asin(Math.min(1, room / 1.3)));
  return { c, logMgf, q, width, bend, strip, bTop, nuTop, logTerms, tolerance };
}

/**
 * Re[e^{K(z)−K(c)} · c/z · (dz/du)/i] at z(u); a bound on its error from the clustering; a bound on the rest of
 * the integral beyond u.
 */
function contourNode(contour: TiltedContour, u: number): ContourNode {
  const { c, q, width, bend, bTop, nuTop, logTerms, tolerance } = contour;
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
}

/**
 * The trapezoidal rule in u at spacing h, halved until two successive rules agree to the tolerance (at most
 * MAX_HALVINGS times); each scan runs out along Γ until the tail bound beyond the last node is negligible.
 */
function refineTrapezoid(contour: TiltedContour): {
  fine: number;
  coarse: number;
  truncation: number;
  h: number;
  clusteringError: number;
} {
  const { width, strip, tolerance } = contour;
  let reference = width; // the order of the integral, refined as sums accumulate
  let clusteringError = 0; // Σ of the nodes' error bounds: every node scanned belongs to the finest rule
  const scan = (spacing: number, stride: number): { sum: number; bound: number } => {
    let sum = 0;
    for (let k = 1; k < 40000; k += stride) {
      const { value, valueError, tailBound } = contourNode(contour, k * spacing);
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
  return { fine, coarse, truncation, h, clusteringError };
}
