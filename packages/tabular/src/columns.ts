import { TabularInputError } from './errors.js';
import { findColumn, type Table, type TableColumn, type TextColumn } from './table.js';

/** x ↦ (x − mean)/sd; sd is 1 when standardisation is off. */
export interface Scaling {
  mean: number;
  sd: number;
}

export const IDENTITY_SCALING: Scaling = { mean: 0, sd: 1 };

const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const thousandsPattern = /^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$/;

/** Share of a column's present cells that must read as numbers for a text cell among them to be a typo, not a level. */
const MOSTLY_NUMERIC = 0.9;

/**
 * A column of numbers but for a few text cells ('-', 'abc', '1,234') named, with the fix: read as text it would
 * silently become categorical (a main feature one-hot encoded into hundreds of levels, a target read as a hundred
 * classes). Undefined for a numeric column and for a text column whose text is more than a stray cell.
 */
export function strayText(column: TableColumn, source: string): string | undefined {
  if (column.kind !== 'text') return undefined;
  let present = 0;
  let numberLike = 0;
  let stray = -1;
  column.codes.forEach((code, row) => {
    if (code < 0) return;
    present++;
    const level = column.levels[code]!;
    if (numberPattern.test(level)) numberLike++;
    else {
      if (thousandsPattern.test(level)) numberLike++;
      if (stray < 0) stray = row;
    }
  });
  if (stray < 0 || numberLike < MOSTLY_NUMERIC * present) return undefined;
  const value = column.levels[column.codes[stray]!]!;
  const where = `${source}: column '${column.name}', row ${stray + 1} is '${value}'`;
  if (thousandsPattern.test(value)) return `${where}, a number with a thousands separator; write it without separators (${value.replaceAll(',', '')})`;
  return `${where} in an otherwise numeric column; replace it with a number or leave it empty`;
}

export function requireColumn(table: Table, name: string, role: string): TableColumn {
  const column = findColumn(table, name);
  if (column) return column;
  const names = table.columns.map((c) => c.name);
  const shown = names.length > 30 ? `${names.slice(0, 30).join(', ')}, … (${names.length} in all)` : names.join(', ');
  throw new TabularInputError(`${table.source} has no column '${name}' (${role}); its columns are: ${shown}`);
}

/** A text column's levels as numbers, when every level reads as one (codes such as '1', '2.5'); else undefined. */
export function numericLevels(column: TextColumn): Float64Array | undefined {
  if (!column.levels.every((level) => numberPattern.test(level))) return undefined;
  return Float64Array.from(column.levels, Number);
}

/**
 * Spread (max |x − mean|) at or below this fraction of the column's largest |value| is rounding, not variation:
 * about 4,500 ulps, above the few-ulp noise of decimal round trips and upstream arithmetic, and below the 1e-10
 * relative variation of data given to ten significant digits.
 */
const CONSTANT_TOLERANCE = 1e-12;

/** Mean and sample sd (n − 1); sd is exactly 0 for a column constant up to rounding (see CONSTANT_TOLERANCE). */
export function meanSd(values: ArrayLike<number>): Scaling {
  const n = values.length;
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, Math.abs(values[i]!));
  if (top === 0) return { mean: 0, sd: 0 };
  // In units of the largest |value| every term is at most 1, so squares neither overflow (1e300) nor underflow (1e-300).
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! / top;
  mean /= n;
  let ss = 0;
  let spread = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! / top - mean;
    ss += d * d;
    spread = Math.max(spread, Math.abs(d));
  }
  const sd = spread <= CONSTANT_TOLERANCE ? 0 : Math.sqrt(ss / Math.max(n - 1, 1)) * top;
  return { mean: mean * top, sd };
}

/** meanSd, refusing a column whose values span beyond the float64 range (both signs near 1e308). */
export function scalingOf(values: Float64Array, name: string): Scaling {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  // max − min bounds every |x − mean| and the sd: while it is finite, so are the standardised values.
  if (!Number.isFinite(max - min)) {
    throw new TabularInputError(`column '${name}' spans more than the float64 range (${min} to ${max}); rescale it, e.g. divide it by 1e100`);
  }
  return meanSd(values);
}

/** The median of `values` (reordered in place): quickselect, O(n) expected; the mean of the middle two for even n. */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  const upper = select(values, n >> 1);
  if (n % 2 === 1) return upper;
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) lower = Math.max(lower, values[i]!);
  return (lower + upper) / 2;
}

/** Hoare's selection: afterwards values[k] is the k-th smallest, everything left of it ≤, right of it ≥. */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i++] = values[j]!;
        values[j--] = swap;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}
