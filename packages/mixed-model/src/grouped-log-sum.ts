/**
 * S(ζ) = Σ_j ν_j log(1 − ζ b_j) for complex ζ over many b_j, at a cost per ζ of O(#clusters · terms) instead of
 * O(#b). Kernel spectra decay like power laws, so the score test's weights sit in tight clusters; a cluster with
 * centre β and half-width R is summed exactly as
 *
 *   Σ_j ν_j log(1 − ζ b_j) = ν log t − Σ_{k≥1} x^k M_k / k,   t = 1 − ζβ, x = ζ/t, M_k = Σ_j ν_j (b_j − β)^k,
 *
 * and truncating after K terms leaves at most ν ρ^{K+1}/((K + 1)(1 − ρ)) with ρ = |x|·R (|(b_j − β)x| ≤ ρ < 1).
 * K is chosen per ζ and cluster to meet the caller's tolerance; where ρ > 1/2 the cluster is summed term by term.
 * On a vertical line ζ = iy, |x| ≤ 1/|β|, so clusters with R ≤ spread·|β| never need more than a few terms.
 * A cluster has one sign, so Im(ζb_j) has one sign across it and the principal branches add up:
 * log(1 − ζb_j) = log t + log(1 − x(b_j − β)) with no 2π jump (the second log has |arg| < π/6).
 */

/** Most series terms kept (moments precomputed per cluster). */
const MAX_TERMS = 24;

/** Largest ρ at which the series is used (beyond it: term by term, exact). */
const SERIES_RADIUS = 0.5;

/**
 * Boundaries of runs of ascending `sorted` values with one sign each, whose half-width is at most `spread` times
 * their smallest magnitude: cluster g is [start[g], start[g + 1]). The last value stays alone when `isolateLast`.
 */
export function clusterBoundaries(sorted: Float64Array, spread: number, isolateLast = false): Int32Array {
  const r = sorted.length;
  const end = isolateLast ? r - 1 : r;
  const starts: number[] = [];
  let first = 0;
  while (first < end) {
    starts.push(first);
    const lo = sorted[first]!;
    let next = first + 1;
    for (; next < end; next++) {
      const hi = sorted[next]!;
      if (lo * hi <= 0 || hi - lo > 2 * spread * Math.min(Math.abs(lo), Math.abs(hi))) break;
    }
    first = next;
  }
  if (end < r) starts.push(end);
  starts.push(r);
  return Int32Array.from(starts);
}

/** log|1 + re + i·im|: through log1p near modulus 1, directly elsewhere (no cancellation near a branch point). */
function logModulusOfOnePlus(re: number, im: number): number {
  const tRe = 1 + re;
  const modulus2 = tRe * tRe + im * im;
  return modulus2 > 0.5 && modulus2 < 2 ? 0.5 * Math.log1p(re * (2 + re) + im * im) : 0.5 * Math.log(modulus2);
}

/** Cluster-compressed S(ζ) = Σ_j ν_j log(1 − ζ b_j); `evaluate` sets logRe, logIm and errorBound. */
export class GroupedLogSum {
  readonly clusterCount: number;
  /** Re S(ζ) (= Σ ν log|1 − ζb|) after the last `evaluate`. */
  logRe = 0;
  /** Im S(ζ) on the principal branches of the logs (valid while no 1 − ζb_j crosses the negative real axis). */
  logIm = 0;
  /** A rigorous bound on |S(ζ) − (logRe + i·logIm)| from truncating the series (rounding aside). */
  errorBound = 0;

  private readonly starts: Int32Array;
  private readonly centre: Float64Array;
  private readonly radius: Float64Array;
  /** Smallest |b| in each cluster. */
  private readonly nearest: Float64Array;
  private readonly clusterDof: Float64Array;
  /** M_k/k for k = 1..MAX_TERMS, cluster-major. */
  private readonly coefficients: Float64Array;

  /**
   * @param b ascending values
   * @param dof ν_j > 0
   * @param spread the largest half-width of a cluster relative to its smallest |b| (0: only equal values merge)
   * @param tolerance the truncation error allowed in S(ζ) at each ζ (the actual bound is reported in errorBound)
   */
  constructor(
    private readonly b: Float64Array,
    private readonly dof: Float64Array,
    spread: number,
    private readonly tolerance: number,
  ) {
    this.starts = clusterBoundaries(b, spread);
    const count = this.starts.length - 1;
    this.clusterCount = count;
    this.centre = new Float64Array(count);
    this.radius = new Float64Array(count);
    this.nearest = new Float64Array(count);
    this.clusterDof = new Float64Array(count);
    this.coefficients = new Float64Array(count * MAX_TERMS);
    for (let g = 0; g < count; g++) {
      const from = this.starts[g]!;
      const to = this.starts[g + 1]!;
      const lo = b[from]!;
      const hi = b[to - 1]!;
      const centre = 0.5 * (lo + hi);
      this.centre[g] = centre;
      this.radius[g] = 0.5 * (hi - lo);
      this.nearest[g] = Math.min(Math.abs(lo), Math.abs(hi));
      let nu = 0;
      for (let j = from; j < to; j++) {
        nu += dof[j]!;
        if (to - from === 1) continue;
        const delta = b[j]! - centre;
        let power = dof[j]!;
        for (let k = 0; k < MAX_TERMS; k++) {
          power *= delta;
          this.coefficients[g * MAX_TERMS + k]! += power;
        }
      }
      this.clusterDof[g] = nu;
      for (let k = 0; k < MAX_TERMS; k++) this.coefficients[g * MAX_TERMS + k]! /= k + 1;
    }
  }

  /** S at ζ = zRe + i·zIm. */
  evaluate(zRe: number, zIm: number): void {
    const { centre, radius, clusterDof, coefficients, starts } = this;
    const perCluster = this.tolerance / this.clusterCount;
    let logRe = 0;
    let logIm = 0;
    let errorBound = 0;
    for (let g = 0; g < this.clusterCount; g++) {
      const beta = centre[g]!;
      const nu = clusterDof[g]!;
      // t = 1 − ζβ.
      const re = -zRe * beta;
      const im = -zIm * beta;
      const tRe = 1 + re;
      const logModulus = logModulusOfOnePlus(re, im);
      const arg = Math.atan2(im, tRe);
      logRe += nu * logModulus;
      logIm += nu * arg;
      const width = radius[g]!;
      if (width === 0) continue;
      const modulus2 = tRe * tRe + im * im;
      const xRe = (zRe * tRe + zIm * im) / modulus2;
      const xIm = (zIm * tRe - zRe * im) / modulus2;
      const rho = width * Math.sqrt(xRe * xRe + xIm * xIm);
      let terms = 0;
      let bound = 0;
      if (rho <= SERIES_RADIUS) {
        // Smallest K with ν ρ^{K+1}/((K + 1)(1 − ρ)) ≤ perCluster.
        let power = (nu * rho) / (1 - rho);
        for (terms = 1; terms <= MAX_TERMS; terms++) {
          power *= rho;
          bound = power / (terms + 1);
          if (bound <= perCluster) break;
        }
      }
      if (terms === 0 || terms > MAX_TERMS) {
        // Term by term: the series converges too slowly here. Replace the centre's log by the exact sum.
        logRe -= nu * logModulus;
        logIm -= nu * arg;
        for (let j = starts[g]!; j < starts[g + 1]!; j++) {
          const reJ = -zRe * this.b[j]!;
          const imJ = -zIm * this.b[j]!;
          logRe += this.dof[j]! * logModulusOfOnePlus(reJ, imJ);
          logIm += this.dof[j]! * Math.atan2(imJ, 1 + reJ);
        }
        continue;
      }
      // −Σ_{k=1}^{K} (M_k/k) x^k by Horner.
      const offset = g * MAX_TERMS;
      let sRe = coefficients[offset + terms - 1]!;
      let sIm = 0;
      for (let k = terms - 2; k >= 0; k--) {
        const nextRe = coefficients[offset + k]! + xRe * sRe - xIm * sIm;
        sIm = xRe * sIm + xIm * sRe;
        sRe = nextRe;
      }
      logRe -= xRe * sRe - xIm * sIm;
      logIm -= xRe * sIm + xIm * sRe;
      errorBound += bound;
    }
    this.logRe = logRe;
    this.logIm = logIm;
    this.errorBound = errorBound;
  }

  /**
   * Σ over clusters whose smallest |b| satisfies y·|b| ≥ 1 of (ν/4)·log(1 + 1/(y b_min)²) and of ν/2: an upper
   * bound on Σ_J (ν_j/4)·log(1 + 1/(y b_j)²) and the exact Σ_J ν_j/2 for J the members of those clusters.
   */
  farPenalty(y: number): { logPenalty: number; halfDof: number } {
    let logPenalty = 0;
    let halfDof = 0;
    for (let g = 0; g < this.clusterCount; g++) {
      const yb = y * this.nearest[g]!;
      if (yb < 1) continue;
      logPenalty += 0.25 * this.clusterDof[g]! * Math.log1p(1 / (yb * yb));
      halfDof += 0.5 * this.clusterDof[g]!;
    }
    return { logPenalty, halfDof };
  }
}
