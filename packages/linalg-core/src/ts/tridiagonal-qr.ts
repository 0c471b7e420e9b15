import { LinalgNumericalError } from '../errors.js';
import type { RotationLog } from './rotations.js';

/** Where the rotations of the QR iteration go: logged, and handed on whenever `chunk` have gathered. */
export interface RotationSink {
  log: RotationLog;
  chunk: number;
  /** Apply the logged rotations somewhere and (usually) clear the log; called once more at the end. */
  flush(): void;
}

const EPS2 = Number.EPSILON * Number.EPSILON;
const SAFE_MIN = 2.2250738585072014e-308;
/** Sweeps allowed per eigenvalue on average before giving up. */
const SWEEPS_PER_VALUE = 30;

/**
 * Diagonalise the symmetric tridiagonal (d, e) in place by implicit QR sweeps with Wilkinson
 * shifts: afterwards d holds the eigenvalues (unordered) and e is zero. Each sweep is a chain of
 * plane rotations P (see RotationLog) with T ← P T Pᵀ; they go to `sink` when one is given.
 *
 * `knownValues` (ascending), the eigenvalues from an earlier run without rotations, turn the
 * Wilkinson shift into the nearest exact eigenvalue, so a block usually deflates after one sweep:
 * far fewer rotations to replay. Should that fail (perfect shifts can be spoiled by rounding), the
 * block falls back to plain Wilkinson shifts.
 */
export function diagonalizeTridiagonal(
  d: Float64Array,
  e: Float64Array,
  sink: RotationSink | null,
  knownValues: Float64Array | null = null,
): void {
  const n = d.length;
  const maxSweeps = SWEEPS_PER_VALUE * Math.max(n, 1);
  let sweeps = 0;
  let sweepsOnBlock = 0;
  let m = n - 1;
  while (m > 0) {
    if (negligible(d, e, m - 1)) {
      e[m - 1] = 0;
      m--;
      sweepsOnBlock = 0;
      continue;
    }
    let l = m - 1;
    while (l > 0 && !negligible(d, e, l - 1)) l--;
    if (l > 0) e[l - 1] = 0;
    if (m - l === 1) {
      diagonalize2x2(d, e, l, sink);
      m -= 2;
      sweepsOnBlock = 0;
      continue;
    }
    if (++sweeps > maxSweeps) {
      throw new LinalgNumericalError(
        `eigSym (ts backend): the tridiagonal QR iteration did not converge after ${maxSweeps} sweeps ` +
          `(block ${l}…${m} of ${n}); the input may contain values near overflow — rescale it`,
      );
    }
    const mu = wilkinsonShift(d, e, m);
    const exact = knownValues !== null && sweepsOnBlock < 2;
    qrSweep(d, e, l, m, exact ? nearest(knownValues, mu) : mu, sink);
    sweepsOnBlock++;
  }
  sink?.flush();
}

/** Scale-aware: e_i is negligible next to √|d_i d_{i+1}|, so graded matrices keep small eigenvalues. */
function negligible(d: Float64Array, e: Float64Array, i: number): boolean {
  const ei = e[i]!;
  return ei * ei <= EPS2 * Math.abs(d[i]! * d[i + 1]!) + SAFE_MIN;
}

/** Eigenvalue of the trailing 2×2 block of rows m−1, m nearer to d[m]. */
function wilkinsonShift(d: Float64Array, e: Float64Array, m: number): number {
  const b = e[m - 1]!;
  const g = (d[m - 1]! - d[m]!) / (2 * b);
  const r = Math.hypot(g, 1);
  return d[m]! - b / (g + (g >= 0 ? r : -r));
}

/** The entry of the ascending `values` closest to x. */
function nearest(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(values[lo]! - x) <= Math.abs(values[hi]! - x) ? values[lo]! : values[hi]!;
}

/** One implicit QR step with shift mu on the unreduced block l…m: chase the bulge down. */
function qrSweep(
  d: Float64Array,
  e: Float64Array,
  l: number,
  m: number,
  mu: number,
  sink: RotationSink | null,
): void {
  let x = d[l]! - mu;
  let z = e[l]!;
  for (let k = l; k < m; k++) {
    const r = Math.hypot(x, z);
    const c = r === 0 ? 1 : x / r;
    const s = r === 0 ? 0 : z / r;
    if (k > l) e[k - 1] = r;
    const a = d[k]!;
    const b = e[k]!;
    const f = d[k + 1]!;
    const cs2b = 2 * c * s * b;
    d[k] = c * c * a + cs2b + s * s * f;
    d[k + 1] = s * s * a - cs2b + c * c * f;
    const bNew = c * s * (f - a) + (c * c - s * s) * b;
    if (k < m - 1) {
      const next = e[k + 1]!;
      z = s * next;
      e[k + 1] = c * next;
      x = bNew;
    } else {
      e[k] = bNew;
    }
    if (sink) record(sink, k, c, s);
  }
}

/** Zero e[l] with one rotation (the 2×2 block l, l+1 solved exactly). */
function diagonalize2x2(d: Float64Array, e: Float64Array, l: number, sink: RotationSink | null): void {
  const a = d[l]!;
  const b = e[l]!;
  const f = d[l + 1]!;
  // tan θ is the smaller root of t² − 2ρt − 1 = 0, ρ = (f − a)/(2b): it zeroes the coupling.
  const rho = (f - a) / (2 * b);
  const t = -1 / (rho + (rho >= 0 ? Math.hypot(rho, 1) : -Math.hypot(rho, 1)));
  const c = 1 / Math.hypot(t, 1);
  const s = t * c;
  const cs2b = 2 * c * s * b;
  d[l] = c * c * a + cs2b + s * s * f;
  d[l + 1] = s * s * a - cs2b + c * c * f;
  e[l] = 0;
  if (sink) record(sink, l, c, s);
}

function record(sink: RotationSink, k: number, c: number, s: number): void {
  sink.log.push(k, c, s);
  if (sink.log.length >= sink.chunk) sink.flush();
}
