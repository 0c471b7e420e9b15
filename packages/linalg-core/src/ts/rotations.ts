/**
 * A sequence of plane rotations P acting on neighbouring rows (i, i+1) of a row-major matrix:
 * row_i ← c·row_i + s·row_{i+1}, row_{i+1} ← c·row_{i+1} − s·row_i. Kept in compact typed arrays so
 * that it can be replayed on any block of rows (forwards) or undone on one (transposed, in reverse).
 */
export class RotationLog {
  /** Row index i of each rotation. */
  index: Int32Array;
  /** c and s of rotation r at 2r and 2r + 1. */
  cs: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.index = new Int32Array(capacity);
    this.cs = new Float64Array(2 * capacity);
  }

  push(i: number, c: number, s: number): void {
    if (this.length === this.index.length) this.grow();
    const r = this.length++;
    this.index[r] = i;
    this.cs[2 * r] = c;
    this.cs[2 * r + 1] = s;
  }

  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const index = new Int32Array(2 * this.index.length);
    index.set(this.index);
    const cs = new Float64Array(4 * this.index.length);
    cs.set(this.cs);
    this.index = index;
    this.cs = cs;
  }
}

/**
 * Columns per block when replaying rotations on a wide matrix: each block of every row stays in
 * cache while the whole chunk of rotations passes over it (columns are independent).
 */
function columnBlock(rows: number, width: number): number {
  const fitsCache = Math.floor((256 * 1024) / (8 * Math.max(rows, 1)));
  return Math.min(width, Math.max(16, fitsCache));
}

/** y ← P_last ⋯ P_first · y for y (rows × width, row-major). */
export function applyRotations(log: RotationLog, y: Float64Array, rows: number, width: number): void {
  const { index, cs } = log;
  const count = log.length;
  const block = columnBlock(rows, width);
  for (let j0 = 0; j0 < width; j0 += block) {
    const j1 = Math.min(width, j0 + block);
    for (let r = 0; r < count; r++) {
      const c = cs[2 * r]!;
      const s = cs[2 * r + 1]!;
      const o1 = index[r]! * width;
      const o2 = o1 + width;
      for (let j = j0; j < j1; j++) {
        const x = y[o1 + j]!;
        const z = y[o2 + j]!;
        y[o1 + j] = c * x + s * z;
        y[o2 + j] = c * z - s * x;
      }
    }
  }
}

/** y ← P_firstᵀ ⋯ P_lastᵀ · y: undoes `applyRotations`. */
export function applyRotationsTransposed(log: RotationLog, y: Float64Array, rows: number, width: number): void {
  const { index, cs } = log;
  const block = columnBlock(rows, width);
  for (let j0 = 0; j0 < width; j0 += block) {
    const j1 = Math.min(width, j0 + block);
    for (let r = log.length - 1; r >= 0; r--) {
      const c = cs[2 * r]!;
      const s = cs[2 * r + 1]!;
      const o1 = index[r]! * width;
      const o2 = o1 + width;
      for (let j = j0; j < j1; j++) {
        const x = y[o1 + j]!;
        const z = y[o2 + j]!;
        y[o1 + j] = c * x - s * z;
        y[o2 + j] = c * z + s * x;
      }
    }
  }
}
