import { LinalgInputError } from './errors.js';
import type { Matrix64 } from './matrix.js';

/** Every entry finite; otherwise name the first bad one. */
export function assertFinite(a: Matrix64, what: string): void {
  const { data, cols } = a;
  if (allFinite(data)) return;
  const k = data.findIndex((v) => !Number.isFinite(v));
  const i = Math.floor(k / cols);
  throw new LinalgInputError(`${what} has a non-finite entry ${data[k]} at (${i}, ${k - i * cols}); remove or impute NaN/Infinity first`);
}

/**
 * Whether every entry is finite: v·0 is ±0 for finite v and NaN otherwise, so four running sums of it (no branch per
 * entry) stay 0 exactly when all are. Every product checks its operands, so this loop runs over every matrix once.
 */
function allFinite(data: Float64Array): boolean {
  let [s0, s1, s2, s3] = [0, 0, 0, 0];
  const whole = data.length - (data.length % 4);
  for (let k = 0; k < whole; k += 4) {
    s0 += data[k]! * 0;
    s1 += data[k + 1]! * 0;
    s2 += data[k + 2]! * 0;
    s3 += data[k + 3]! * 0;
  }
  for (let k = whole; k < data.length; k++) s0 += data[k]! * 0;
  return s0 + s1 + s2 + s3 === 0;
}

/** A tolerance option: finite and ≥ 0 (NaN would make every comparison pass). */
export function assertTolerance(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LinalgInputError(`${what} must be a finite number ≥ 0, got ${String(value)}; omit it for the default`);
  }
}

/** At least one row and column: the LAPACK routines reject n = 0 with a cryptic argument error. */
export function assertNonEmpty(a: Matrix64, what: string): void {
  if (a.rows === 0 || a.cols === 0) {
    throw new LinalgInputError(`${what} is ${a.rows}×${a.cols}; it needs at least one row and one column`);
  }
}

export function assertSquare(a: Matrix64, what: string): void {
  if (a.rows !== a.cols) {
    throw new LinalgInputError(`${what} must be square, got ${a.rows}×${a.cols}`);
  }
}

/**
 * Symmetric to within `tolerance · max|a_ij|` (relative, so scale does not matter). The error says
 * how large the worst asymmetry is and where, because a wrong transpose or a float32 round-trip
 * look very different there.
 */
export function assertSymmetric(a: Matrix64, what: string, tolerance = 1e-10): void {
  assertTolerance(tolerance, `${what}: symmetryTolerance`);
  const { data, rows: n } = a;
  let scale = 0;
  for (let k = 0; k < data.length; k++) scale = Math.max(scale, Math.abs(data[k]!));
  let worst = 0;
  let wi = 0;
  let wj = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.abs(data[i * n + j]! - data[j * n + i]!);
      if (d > worst) {
        worst = d;
        wi = i;
        wj = j;
      }
    }
  }
  if (worst > tolerance * scale) {
    throw new LinalgInputError(
      `${what} is not symmetric: |a(${wi},${wj}) − a(${wj},${wi})| = ${worst.toPrecision(3)} ` +
        `exceeds ${tolerance} × max|a| = ${(tolerance * scale).toPrecision(3)}; ` +
        `symmetrise it ((A + Aᵀ)/2) if the asymmetry is rounding`,
    );
  }
}

export function assertRows(b: Matrix64, n: number, what: string, against: string): void {
  if (b.rows !== n) {
    throw new LinalgInputError(`${what} has ${b.rows} rows but ${against} has ${n}; they must match`);
  }
}

/** Validate a symmetric input matrix once, for every routine that takes one. */
export function assertSymmetricInput(a: Matrix64, what: string, tolerance?: number): void {
  assertSquare(a, what);
  assertFinite(a, what);
  assertSymmetric(a, what, tolerance);
}
