import type { EigenRequest, RawEigen } from '../backend-types.js';
import { RotationLog, applyRotations, applyRotationsTransposed } from './rotations.js';
import { diagonalizeTridiagonal, type RotationSink } from './tridiagonal-qr.js';
import { tridiagonalEigen } from './divide-conquer.js';
import { sharedFloat64 } from './parallel.js';
import { applyQ, applyQTransposed, tridiagonalize } from './tridiagonal.js';

/**
 * Rotations gathered before they are replayed on the accumulator: enough that each cached column
 * block of it sees many rotations, few enough that the log stays in cache (16 bytes each).
 */
const ROTATION_CHUNK = 1 << 15;

/**
 * Symmetric eigendecomposition A = U Λ Uᵀ, eigenvalues descending. Tridiagonalise (T = Qᵀ A Q).
 * Eigenvalues and projections: implicit QR on T, its rotations applied to B alone (QᵀB first).
 * All eigenvectors: divide and conquer on T (matrix products), then U = Q Z with the reflectors in
 * blocks. The O(n³) phases share out to worker threads (see parallel.ts) for large n.
 */
export function eigSym(a: Float64Array, n: number, request: EigenRequest): RawEigen {
  const { work, scale } = scaledCopy(a);
  const t = tridiagonalize(work, n);

  if (request === 'none') {
    diagonalizeTridiagonal(t.d, t.e, null);
    return { values: descendingValues(t.d, descendingOrder(t.d), scale) };
  }

  if (request === 'all') {
    // Eigenvectors Z of T by divide and conquer, sorted, then U = Q Z by blocked reflectors.
    const { values, vectors: z } = tridiagonalEigen(t.d, t.e);
    const order = descendingOrder(values);
    const u = sharedFloat64(n * n);
    for (let i = 0; i < n; i++) {
      const o = i * n;
      for (let j = 0; j < n; j++) u[o + j] = z[o + order[j]!]!;
    }
    applyQ(t, u, n);
    // A plain (unshared) array for the caller.
    return { values: descendingValues(values, order, scale), vectors: new Float64Array(u) };
  }

  const { cols, keepBasis } = request;
  const b = request.rhs.slice();
  applyQTransposed(t, b, cols);
  let log: RotationLog | undefined;
  if (keepBasis) {
    log = new RotationLog();
    diagonalizeTridiagonal(t.d, t.e, { log, chunk: Infinity, flush: () => undefined });
    applyRotations(log, b, n, cols);
  } else {
    diagonalizeTridiagonal(t.d, t.e, replayingSink(b, n, cols));
  }
  const order = descendingOrder(t.d);
  const projections = permuteRows(b, cols, order);
  const raw: RawEigen = { values: descendingValues(t.d, order, scale), projections };
  if (log) {
    const rotations = log;
    raw.expand = (v, k) => {
      // U V = Q · P_1ᵀ⋯P_Rᵀ · (rows of V back in the unsorted order).
      const x = new Float64Array(n * k);
      for (let j = 0; j < n; j++) x.set(v.subarray(j * k, (j + 1) * k), order[j]! * k);
      applyRotationsTransposed(rotations, x, n, k);
      applyQ(t, x, k);
      return x;
    };
  }
  return raw;
}

/** A sink that replays each chunk of rotations on the rows of y (n × width) and forgets it. */
function replayingSink(y: Float64Array, n: number, width: number): RotationSink {
  const log = new RotationLog(ROTATION_CHUNK);
  return {
    log,
    chunk: ROTATION_CHUNK,
    flush: () => {
      applyRotations(log, y, n, width);
      log.clear();
    },
  };
}

/**
 * A copy of A divided by a power of two (exact) so that max|a_ij| ≤ 1: squares in the reflector
 * norms and the shifts can then neither overflow nor lose the small entries of graded matrices.
 */
function scaledCopy(a: Float64Array): { work: Float64Array; scale: number } {
  let maxAbs = 0;
  for (let k = 0; k < a.length; k++) maxAbs = Math.max(maxAbs, Math.abs(a[k]!));
  const exponent = maxAbs === 0 ? 0 : Math.min(1000, Math.max(-1000, Math.ceil(Math.log2(maxAbs))));
  const scale = 2 ** exponent;
  const inv = 2 ** -exponent;
  const work = sharedFloat64(a.length);
  for (let k = 0; k < a.length; k++) work[k] = a[k]! * inv;
  return { work, scale };
}

function descendingOrder(values: Float64Array): Int32Array {
  const order = Int32Array.from({ length: values.length }, (_, i) => i);
  return order.sort((i, j) => values[j]! - values[i]!);
}

function descendingValues(values: Float64Array, order: Int32Array, scale: number): Float64Array {
  return Float64Array.from(order, (i) => values[i]! * scale);
}

/** Row j of the result is row order[j] of y (n × width). */
function permuteRows(y: Float64Array, width: number, order: Int32Array): Float64Array {
  const out = new Float64Array(y.length);
  for (let j = 0; j < order.length; j++) {
    const o = order[j]! * width;
    out.set(y.subarray(o, o + width), j * width);
  }
  return out;
}
