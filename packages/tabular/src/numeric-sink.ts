import type { DuckDBVector } from '@duckdb/node-api';
import { prefaultHugePages } from './huge-pages.js';
import type { NumericColumn } from './table.js';

/**
 * One slot per numeric column, `capacity` rows each, cut from one allocation. Memory is costly the first time it is
 * touched (a page fault per 4 kB: ~3.5 s a GB on the 2-core bench machine), so the column is written once where it
 * will stay: no chunk pieces to join. One large block comes straight from the system, its pages untouched until
 * written, so a generous capacity costs address space, not memory. Empty slots (everything in pieces) when the
 * capacity is unknown or the block cannot be had. An `exact` capacity (a counted row count) fills the block without
 * gaps, so its pages are faulted in ahead, 2 MB at a time, off this thread (huge-pages.ts); an estimate's unused slot
 * ends would become memory then.
 */
export function numericSlots(count: number, capacity: number | undefined, exact = false): Float64Array[] {
  let block = new Float64Array(0);
  if (capacity !== undefined && capacity > 0) {
    try {
      block = new Float64Array(count * capacity);
      if (exact) void prefaultHugePages(block);
    } catch {
      // Address space refused (a huge estimate): fall back to pieces.
    }
  }
  const size = block.length === 0 ? 0 : capacity!;
  return Array.from({ length: count }, (_, j) => block.subarray(j * size, (j + 1) * size));
}

/**
 * Collects a numeric column chunk by chunk: into its slot while the rows fit, the rest in pieces joined once. Notes
 * the first infinite cell while the chunk is in cache (a pass over the whole table afterwards reads it all again).
 */
export class NumericSink {
  private readonly pieces: Float64Array[] = [];
  private filled = 0;
  /** The row of the column's first infinite cell; -1 while there is none. */
  firstInfinite = -1;
  constructor(
    readonly name: string,
    private readonly slot: Float64Array,
  ) {}

  push(vector: DuckDBVector, count: number): void {
    const fits = this.pieces.length === 0 && this.filled + count <= this.slot.length;
    const target = fits ? this.slot.subarray(this.filled, this.filled + count) : new Float64Array(count);
    copyDoubles(vector, count, target);
    if (this.firstInfinite < 0) {
      for (let i = 0; i < count; i++) {
        if (Math.abs(target[i]!) === Infinity) {
          this.firstInfinite = this.filled + i;
          break;
        }
      }
    }
    if (!fits) this.pieces.push(target);
    this.filled += count;
  }

  build(): NumericColumn {
    if (this.pieces.length === 0) return { name: this.name, kind: 'number', values: this.slot.subarray(0, this.filled) };
    const values = new Float64Array(this.filled);
    let offset = this.filled - this.pieces.reduce((s, p) => s + p.length, 0);
    values.set(this.slot.subarray(0, offset));
    for (const piece of this.pieces) {
      values.set(piece, offset);
      offset += piece.length;
    }
    this.pieces.length = 0;
    return { name: this.name, kind: 'number', values };
  }
}

/**
 * A DOUBLE vector's cells into `target`, NaN where missing. Its items are a Float64Array over the chunk's memory and
 * its validity a bit mask (bit i clear: cell i is NULL; no mask: none is): one block copy, then a scan of the mask
 * 32 cells at a time, far cheaper than a coalesce per cell in SQL. Both are the binding's internals, so anything
 * else goes cell by cell.
 */
function copyDoubles(vector: DuckDBVector, count: number, target: Float64Array): void {
  const { items, validity } = vector as unknown as { items?: unknown; validity?: { data?: unknown } };
  const mask = validity?.data;
  if (!(items instanceof Float64Array) || !(mask === null || mask instanceof BigUint64Array)) {
    for (let i = 0; i < count; i++) target[i] = Number(vector.getItem(i) ?? Number.NaN);
    return;
  }
  target.set(items.subarray(0, count));
  if (mask === null) return;
  const words = new Uint32Array(mask.buffer, mask.byteOffset, Math.ceil(count / 32));
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if (word === 0xffffffff) continue;
    const end = Math.min(32, count - 32 * w);
    for (let b = 0; b < end; b++) if (((word >>> b) & 1) === 0) target[32 * w + b] = Number.NaN;
  }
}
