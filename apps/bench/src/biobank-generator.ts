import { closeSync, openSync, writeSync } from 'node:fs';
import { Matrix64, normalGenerator, uniformGenerator } from '@duality/linalg-core';

/**
 * Biobank-like tables (issue 22): many numeric columns ("protein levels") driven by a few dozen latent factors with
 * column-specific loadings, heteroscedastic noise and log-normal columns; cells missing at random or below a
 * detection limit; a numeric target `age` that depends on a few dozen columns, part nonlinearly; two text columns
 * (`sex`, `centre`). The seed varies the structure (factor count, loadings, skewed share, which columns matter) and
 * the rows.
 */
export interface BiobankSpec {
  rows: number;
  /** Numeric feature columns. */
  columns: number;
  seed: number;
  /** Share of numeric cells left empty (default 0.02). */
  missing?: number;
  /**
   * 'random' (default): each cell empty with probability `missing`; 'detection-limit': a third of the columns lose
   * their values below a per-column limit (the lowest ~4%), the rest at random, about `missing` overall.
   */
  missingness?: 'random' | 'detection-limit';
}

interface Structure {
  factors: number;
  /** columns × factors, row-major. */
  loadings: Float64Array;
  /** Noise sd of each column at z = 0; it grows with |the column's signal| (heteroscedastic). */
  noiseSd: Float64Array;
  logNormal: Uint8Array;
  /** Per-column detection limit on the standardised scale (−Infinity: none). */
  limit: Float64Array;
  /** Shift of each column in each centre (a batch effect). */
  centreShift: Float64Array;
  centres: number;
  linear: { column: number; weight: number }[];
  pairs: [number, number][];
  smooth: number[];
}

/** Distinct columns drawn in a seeded order. */
function pickColumns(count: number, columns: number, uniform: () => number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, columns)) chosen.add(Math.floor(uniform() * columns));
  return [...chosen];
}

function structureOf(spec: BiobankSpec): Structure {
  const uniform = uniformGenerator(spec.seed * 7919 + 1);
  const normal = normalGenerator(spec.seed * 7919 + 2);
  const d = spec.columns;
  const factors = 20 + Math.floor(uniform() * 31);
  const loadings = new Float64Array(d * factors);
  const noiseSd = new Float64Array(d);
  const logNormal = new Uint8Array(d);
  const limit = new Float64Array(d).fill(-Infinity);
  const skewedShare = 0.1 + 0.2 * uniform();
  for (let j = 0; j < d; j++) {
    // Each column loads on a few factors, some strongly (protein modules), with its own noise level.
    const active = 2 + Math.floor(uniform() * 6);
    for (let a = 0; a < active; a++) loadings[j * factors + Math.floor(uniform() * factors)]! += normal() * (0.3 + uniform());
    noiseSd[j] = 0.2 + 0.8 * uniform();
    logNormal[j] = uniform() < skewedShare ? 1 : 0;
    if (spec.missingness === 'detection-limit' && uniform() < 1 / 3) limit[j] = -1.75; // about the lowest 4% of N(0, 1)
  }
  const centres = 5 + Math.floor(uniform() * 18);
  const centreShift = Float64Array.from({ length: centres * d }, () => (uniform() < 0.1 ? 0.3 * normal() : 0));
  const used = pickColumns(24 + Math.floor(uniform() * 24), d, uniform);
  const linear = used.slice(0, Math.ceil(used.length * 0.6)).map((column) => ({ column, weight: normal() }));
  const rest = used.slice(linear.length);
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < rest.length - 3; i += 2) pairs.push([rest[i]!, rest[i + 1]!]);
  return { factors, loadings, noiseSd, logNormal, limit, centreShift, centres, linear, pairs, smooth: rest.slice(-3) };
}

/** One generated row: the numeric cells (NaN where empty), the target and the two text cells. */
export interface BiobankRow {
  values: Float64Array;
  age: number;
  sex: 'F' | 'M';
  centre: string;
}

/**
 * The rows of a table, one at a time (the same Float64Array is reused: copy what you keep). The column's latent
 * value s_j = (loadings z)_j, standardised by its sd, plus noise whose sd grows with |s_j|; log-normal columns
 * report exp of it. The target uses the latent-plus-noise values before any cell goes missing.
 */
export function* biobankRows(spec: BiobankSpec): Generator<BiobankRow> {
  const s = structureOf(spec);
  const d = spec.columns;
  const normal = normalGenerator(spec.seed * 104729 + 3);
  const uniform = uniformGenerator(spec.seed * 104729 + 4);
  const missing = spec.missing ?? 0.02;
  // The detection limit empties about 0.04 of a third of the cells: the random share makes up the rest.
  const randomMissing = spec.missingness === 'detection-limit' ? Math.max(0, missing - 0.04 / 3) : missing;
  const columnSd = Float64Array.from({ length: d }, (_, j) => {
    let v = 0;
    for (let a = 0; a < s.factors; a++) v += s.loadings[j * s.factors + a]! ** 2;
    return Math.sqrt(v + s.noiseSd[j]! ** 2 + 1e-12);
  });
  const z = new Float64Array(s.factors);
  const clean = new Float64Array(d);
  const values = new Float64Array(d);
  for (let i = 0; i < spec.rows; i++) {
    for (let a = 0; a < s.factors; a++) z[a] = normal();
    const centre = Math.floor(uniform() * s.centres);
    const male = uniform() < 0.5;
    for (let j = 0; j < d; j++) {
      let signal = 0;
      for (let a = 0; a < s.factors; a++) signal += s.loadings[j * s.factors + a]! * z[a]!;
      const noise = s.noiseSd[j]! * (1 + 0.5 * Math.abs(signal)) * normal();
      clean[j] = (signal + noise) / columnSd[j]! + s.centreShift[centre * d + j]!;
      const level = s.logNormal[j] ? Math.exp(0.7 * clean[j]!) : clean[j]! + 5;
      const empty = clean[j]! < s.limit[j]! || uniform() < randomMissing;
      values[j] = empty ? NaN : level;
    }
    let signal = (male ? 0.3 : -0.3) + s.linear.reduce((sum, { column, weight }) => sum + weight * clean[column]!, 0) / Math.sqrt(s.linear.length);
    for (const [a, b] of s.pairs) signal += (0.8 * clean[a]! * clean[b]!) / Math.sqrt(s.pairs.length);
    for (const c of s.smooth) signal += 0.8 * Math.sin(1.5 * clean[c]!);
    yield { values, age: 55 + 6 * signal + 4 * normal(), sex: male ? 'M' : 'F', centre: `C${String(centre + 1).padStart(2, '0')}` };
  }
}

/** Column names: p0001 … (numeric), then age, sex, centre. */
export function biobankHeader(columns: number): string[] {
  const width = String(columns).length;
  return [...Array.from({ length: columns }, (_, j) => `p${String(j + 1).padStart(width, '0')}`), 'age', 'sex', 'centre'];
}

/** A cell as a short decimal: 4 significant digits is what an assay reports. */
function cell(v: number): string {
  return Number.isNaN(v) ? '' : String(Number(v.toPrecision(4)));
}

/** Write the table as CSV to `path`, a block of rows per write (never the whole file as one string). Returns bytes written. */
export function writeBiobankCsv(path: string, spec: BiobankSpec): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const write = (text: string) => (bytes += writeSync(fd, text));
    write(`${biobankHeader(spec.columns).join(',')}\n`);
    let block: string[] = [];
    for (const row of biobankRows(spec)) {
      const cells = Array.from(row.values, cell);
      cells.push(row.age.toFixed(1), row.sex, row.centre);
      block.push(cells.join(','));
      if (block.length === 256) {
        write(`${block.join('\n')}\n`);
        block = [];
      }
    }
    if (block.length > 0) write(`${block.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * The table as a design the engine takes directly, without a file: each numeric column median-imputed and
 * standardised (what the CLI's reader does; the median here is over a sample of up to `MEDIAN_SAMPLE` rows), `sex`
 * as ±1, the target standardised. For measuring the engine at biobank sizes apart from reading.
 */
export function biobankDesign(spec: BiobankSpec): { x: Matrix64; y: Float64Array } {
  const d = spec.columns + 1;
  const x = new Matrix64(spec.rows, d);
  const y = new Float64Array(spec.rows);
  let i = 0;
  for (const row of biobankRows(spec)) {
    x.data.set(row.values, i * d);
    x.data[i * d + spec.columns] = row.sex === 'M' ? 1 : -1;
    y[i++] = row.age;
  }
  standardiseColumns(x, sampledMedians(x));
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length);
  for (let k = 0; k < y.length; k++) y[k] = (y[k]! - mean) / sd;
  return { x, y };
}

const MEDIAN_SAMPLE = 4096;

/** Each column's median of its observed values in the first rows (a sample: the rows are exchangeable). */
function sampledMedians(x: Matrix64): Float64Array {
  const rows = Math.min(x.rows, MEDIAN_SAMPLE);
  const d = x.cols;
  const column = new Float64Array(rows);
  return Float64Array.from({ length: d }, (_, j) => {
    let count = 0;
    for (let i = 0; i < rows; i++) if (!Number.isNaN(x.data[i * d + j]!)) column[count++] = x.data[i * d + j]!;
    const observed = column.subarray(0, count).sort();
    return count > 0 ? observed[Math.floor(count / 2)]! : 0;
  });
}

/** Empty cells get the column's median; then every column mean 0 and sd 1 (sd 0 columns become 0). Row by row. */
function standardiseColumns(x: Matrix64, medians: Float64Array): void {
  const d = x.cols;
  const sum = new Float64Array(d);
  const sum2 = new Float64Array(d);
  for (let i = 0; i < x.rows; i++) {
    const row = x.data.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) {
      if (Number.isNaN(row[j]!)) row[j] = medians[j]!;
      sum[j]! += row[j]!;
      sum2[j]! += row[j]! ** 2;
    }
  }
  const mean = sum.map((s) => s / x.rows);
  const scale = sum2.map((s, j) => {
    const sd = Math.sqrt(Math.max(s / x.rows - mean[j]! ** 2, 0));
    return sd > 0 ? 1 / sd : 0;
  });
  for (let i = 0; i < x.rows; i++) {
    const row = x.data.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) row[j] = (row[j]! - mean[j]!) * scale[j]!;
  }
}
