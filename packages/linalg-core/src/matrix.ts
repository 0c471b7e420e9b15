import { Matrix as MlMatrix } from 'ml-matrix';
import { LinalgInputError } from './errors.js';

/**
 * A dense float64 matrix stored row-major in one contiguous `Float64Array`:
 * entry (i, j) lives at `data[i * cols + j]`.
 */
export class Matrix64 {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;

  constructor(rows: number, cols: number, data?: Float64Array) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new LinalgInputError(`Matrix64: dimensions must be non-negative integers, got ${rows}×${cols}`);
    }
    if (data !== undefined && data.length !== rows * cols) {
      throw new LinalgInputError(
        `Matrix64: a ${rows}×${cols} matrix needs ${rows * cols} entries, got ${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
  }

  static zeros(rows: number, cols: number): Matrix64 {
    return new Matrix64(rows, cols);
  }

  static identity(n: number): Matrix64 {
    const m = new Matrix64(n, n);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  /** From nested arrays (rows of equal length); a 1-D array or ragged rows are refused, naming the shape. */
  static from(rows: readonly (readonly number[])[]): Matrix64 {
    if (!Array.isArray(rows)) {
      throw new LinalgInputError(`Matrix64.from: expected an array of rows, got ${typeof rows}`);
    }
    const r = rows.length;
    const c = r === 0 ? 0 : rowLength(rows[0], 0);
    const m = new Matrix64(r, c);
    for (let i = 0; i < r; i++) {
      const row = rows[i]!;
      const length = rowLength(row, i);
      if (length !== c) {
        throw new LinalgInputError(
          `Matrix64.from: ragged rows: row ${i} has ${length} entries, row 0 has ${c}; every row needs the same length`,
        );
      }
      m.data.set(row, i * c);
    }
    return m;
  }

  /** A column vector (n×1) from a vector. */
  static column(values: ArrayLike<number>): Matrix64 {
    return new Matrix64(values.length, 1, Float64Array.from(values));
  }

  static fromMlMatrix(m: MlMatrix): Matrix64 {
    return Matrix64.from(m.to2DArray());
  }

  toMlMatrix(): MlMatrix {
    return new MlMatrix(this.toArray());
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) {
      out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    }
    return out;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j]!;
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Row i as a view (no copy). */
  row(i: number): Float64Array {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /** Column j as a copy. */
  column(j: number): Float64Array {
    const out = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = this.data[i * this.cols + j]!;
    return out;
  }

  /**
   * The columns `columns`, in that order, in a new matrix whose first `offset` columns are left zero (for a caller's
   * own, e.g. an intercept). Each row is copied as runs of consecutive columns: a subset that keeps all but a few
   * columns of a wide matrix costs a few block copies per row, not one write per entry.
   */
  selectColumns(columns: ArrayLike<number>, offset = 0): Matrix64 {
    const runs: [number, number, number][] = []; // [first source column, first target column, length]
    for (let c = 0; c < columns.length; c++) {
      const j = columns[c]!;
      if (!(Number.isInteger(j) && j >= 0 && j < this.cols)) throw new RangeError(`selectColumns: column ${j} is not one of 0..${this.cols - 1}`);
      const last = runs[runs.length - 1];
      if (last && last[0] + last[2] === j) last[2]++;
      else runs.push([j, offset + c, 1]);
    }
    const width = offset + columns.length;
    const out = new Matrix64(this.rows, width);
    for (let i = 0; i < this.rows; i++) {
      for (const [from, to, length] of runs) out.data.set(this.data.subarray(i * this.cols + from, i * this.cols + from + length), i * width + to);
    }
    return out;
  }

  transpose(): Matrix64 {
    const t = new Matrix64(this.cols, this.rows);
    for (let i = 0; i < this.rows; i++) {
      for (let j = 0; j < this.cols; j++) t.data[j * this.rows + i] = this.data[i * this.cols + j]!;
    }
    return t;
  }

  clone(): Matrix64 {
    return new Matrix64(this.rows, this.cols, this.data.slice());
  }
}

/** Row i's length; a number where a row should be means a 1-D array was passed for a matrix. */
function rowLength(row: unknown, i: number): number {
  if (Array.isArray(row) || ArrayBuffer.isView(row)) return (row as ArrayLike<number>).length;
  throw new LinalgInputError(
    `Matrix64.from: row ${i} is ${typeof row}, not an array: a 1-D array was given where a matrix is expected; ` +
      `wrap a row vector as [[…]] or pass a column as Matrix64.column(values)`,
  );
}

/** Anything the public API accepts as a matrix. */
export type MatrixLike = Matrix64 | MlMatrix | readonly (readonly number[])[];

export function toMatrix64(a: MatrixLike): Matrix64 {
  if (a instanceof Matrix64) return a;
  if (a instanceof MlMatrix) return Matrix64.fromMlMatrix(a);
  return Matrix64.from(a);
}
