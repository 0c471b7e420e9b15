/**
 * A cache-blocked matrix product for the O(n³) phases of the eigensolver: C += A·B on row-major
 * blocks addressed by offset and row stride, so sub-matrices are used in place.
 *
 * B is packed, one K_BLOCK × N_BLOCK block at a time, into slivers of 4 columns stored row by row;
 * each pair of A rows then sweeps every sliver with a 2×4 block of C held in locals: 8 multiply-adds
 * per 6 loads, and the packed block stays in L2 while all rows of A pass over it.
 */

const K_BLOCK = 256;
const N_BLOCK = 256;
const SLIVER = 4;

/** The dimensions of C (m×n) += A (m×k) · B (k×n). */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
}

/** A row-major block used in place: element (i, j) lives at data[offset + i·ld + j]. */
export interface StridedOperand {
  data: Float64Array;
  offset: number;
  ld: number;
}

/** C (m×n) += A (m×k) · B (k×n), each operand a strided block. */
export function multiplyAdd(shape: GemmShape, aOp: StridedOperand, bOp: StridedOperand, cOp: StridedOperand): void {
  const { m, n, k } = shape;
  const { data: a, offset: aOff, ld: lda } = aOp;
  const { data: b, offset: bOff, ld: ldb } = bOp;
  const { data: c, offset: cOff, ld: ldc } = cOp;
  if (m === 0 || n === 0 || k === 0) return;
  const packed = new Float64Array(Math.min(k, K_BLOCK) * Math.ceil(Math.min(n, N_BLOCK) / SLIVER) * SLIVER);
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const kb = Math.min(k, p0 + K_BLOCK) - p0;
    for (let j0 = 0; j0 < n; j0 += N_BLOCK) {
      const nb = Math.min(n, j0 + N_BLOCK) - j0;
      packSlivers(b, bOff + p0 * ldb + j0, ldb, kb, nb, packed);
      let i = 0;
      for (; i + 1 < m; i += 2) {
        sweepTwoRows(a, aOff + i * lda + p0, lda, packed, kb, nb, c, cOff + i * ldc + j0, ldc);
      }
      if (i < m) sweepOneRow(a, aOff + i * lda + p0, packed, kb, nb, c, cOff + i * ldc + j0);
    }
  }
}

/** Sliver s holds columns 4s…4s+3 of the block, row p at (s·kb + p)·4; missing columns are zero. */
function packSlivers(b: Float64Array, off: number, ldb: number, kb: number, nb: number, packed: Float64Array): void {
  for (let s = 0; s * SLIVER < nb; s++) {
    const width = Math.min(SLIVER, nb - s * SLIVER);
    const base = s * kb * SLIVER;
    for (let p = 0; p < kb; p++) {
      const src = off + p * ldb + s * SLIVER;
      const dst = base + p * SLIVER;
      if (width === SLIVER) {
        packed[dst] = b[src]!;
        packed[dst + 1] = b[src + 1]!;
        packed[dst + 2] = b[src + 2]!;
        packed[dst + 3] = b[src + 3]!;
      } else {
        for (let t = 0; t < SLIVER; t++) packed[dst + t] = t < width ? b[src + t]! : 0;
      }
    }
  }
}

function sweepTwoRows(
  a: Float64Array,
  aOff: number,
  lda: number,
  packed: Float64Array,
  kb: number,
  nb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const a1 = aOff + lda;
  for (let s = 0; s * SLIVER < nb; s++) {
    const base = s * kb * SLIVER;
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    for (let p = 0; p < kb; p++) {
      const x0 = a[aOff + p]!;
      const x1 = a[a1 + p]!;
      const q = base + p * SLIVER;
      const b0 = packed[q]!, b1 = packed[q + 1]!, b2 = packed[q + 2]!, b3 = packed[q + 3]!;
      c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
      c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
    }
    const o = cOff + s * SLIVER;
    const width = Math.min(SLIVER, nb - s * SLIVER);
    if (width === SLIVER) {
      c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03;
      c[o + ldc]! += c10; c[o + ldc + 1]! += c11; c[o + ldc + 2]! += c12; c[o + ldc + 3]! += c13;
    } else {
      const row0 = [c00, c01, c02, c03];
      const row1 = [c10, c11, c12, c13];
      for (let t = 0; t < width; t++) {
        c[o + t]! += row0[t]!;
        c[o + ldc + t]! += row1[t]!;
      }
    }
  }
}

function sweepOneRow(
  a: Float64Array,
  aOff: number,
  packed: Float64Array,
  kb: number,
  nb: number,
  c: Float64Array,
  cOff: number,
): void {
  for (let s = 0; s * SLIVER < nb; s++) {
    const base = s * kb * SLIVER;
    let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (let p = 0; p < kb; p++) {
      const x = a[aOff + p]!;
      const q = base + p * SLIVER;
      c0 += x * packed[q]!; c1 += x * packed[q + 1]!; c2 += x * packed[q + 2]!; c3 += x * packed[q + 3]!;
    }
    const o = cOff + s * SLIVER;
    const sums = [c0, c1, c2, c3];
    const width = Math.min(SLIVER, nb - s * SLIVER);
    for (let t = 0; t < width; t++) c[o + t]! += sums[t]!;
  }
}

/** Chunk `chunk` of C += A·B (a thread's share): rows, or columns, step·chunk… of C. */
export function productChunk(
  chunk: number,
  byRows: boolean,
  step: number,
  shape: GemmShape,
  a: StridedOperand,
  b: StridedOperand,
  c: StridedOperand,
): void {
  const start = chunk * step;
  if (byRows) {
    const rows = Math.min(step, shape.m - start);
    multiplyAdd(
      { m: rows, n: shape.n, k: shape.k },
      { data: a.data, offset: a.offset + start * a.ld, ld: a.ld },
      b,
      { data: c.data, offset: c.offset + start * c.ld, ld: c.ld },
    );
  } else {
    const cols = Math.min(step, shape.n - start);
    multiplyAdd(
      { m: shape.m, n: cols, k: shape.k },
      a,
      { data: b.data, offset: b.offset + start, ld: b.ld },
      { data: c.data, offset: c.offset + start, ld: c.ld },
    );
  }
}

/**
 * The kernel as plain JavaScript (its compiled source, constants included), for worker threads:
 * the same code whether this module runs from TypeScript source or from built output.
 */
export function multiplyAddKernelSource(): string {
  return [
    `const K_BLOCK = ${K_BLOCK};`,
    `const N_BLOCK = ${N_BLOCK};`,
    `const SLIVER = ${SLIVER};`,
    ...[multiplyAdd, packSlivers, sweepTwoRows, sweepOneRow, productChunk].map((f) => f.toString()),
  ].join('\n');
}
