import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

/** Linux's `MADV_HUGEPAGE` and `MADV_POPULATE_WRITE` (5.14+), and the x86-64/arm64 huge page size. */
const MADV_HUGEPAGE = 14;
const MADV_POPULATE_WRITE = 23;
const HUGE_PAGE = 2 ** 21;

interface Libc {
  address: (array: Float64Array) => bigint;
  madvise: (address: bigint, length: number, advice: number) => number;
  /** madvise on a thread of the Node pool; calls back when done. */
  madviseAsync: (address: bigint, length: number, advice: number, done: () => void) => void;
}

let libc: Libc | null | undefined;

/** Arrays whose pages are being faulted in: held so that their memory stays mapped until that is done. */
const inFlight = new Set<Float64Array>();

/** libc's madvise through koffi (the FFI linalg-core loads BLAS with); null off Linux or where either cannot load. */
function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux') return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
    const madvise = koffi.load('libc.so.6').func('int madvise(uintptr_t addr, size_t length, int advice)');
    libc = {
      address: (array) => koffi.address(array),
      madvise: (address, length, advice) => madvise(address, length, advice) as number,
      madviseAsync: (address, length, advice, done) => madvise.async(address, length, advice, done),
    };
  } catch {
    // No koffi or no glibc: the pages stay 4 kB and are faulted in as they are written, which only costs time.
  }
  return libc;
}

/**
 * Back a large array that is about to be written whole with 2 MB pages, and fault them in on a thread of the Node
 * pool ahead of the writes. Memory is dear the first time it is touched: on the 2-core bench VM a 4 kB page fault
 * costs ~3.5 s a GB, most of it outside the guest, and two threads faulting at once go no faster than one; in 2 MB
 * pages (transparent huge pages, which the usual `madvise` kernel setting gives only when asked) the same GB costs
 * 1.7 s, and done on another thread it leaves the writer's thread the copying (reading a 10,000 × 2,926 Parquet
 * file under load: 4.1–4.3 s with the pages asked for, 3.4–4.0 s faulted in ahead). Only the whole huge pages inside
 * the array are advised; a failure (old kernel, huge pages off, no koffi) leaves the array as it was. The promise
 * (which callers need not wait for) settles once the pages are in.
 */
export function prefaultHugePages(array: Float64Array): Promise<void> {
  const c = array.byteLength >= 2 * HUGE_PAGE ? loadLibc() : null;
  if (!c) return Promise.resolve();
  const start = c.address(array);
  const huge = BigInt(HUGE_PAGE);
  const offset = (huge - (start % huge)) % huge;
  const length = Math.floor((array.byteLength - Number(offset)) / HUGE_PAGE) * HUGE_PAGE;
  if (length <= 0) return Promise.resolve();
  c.madvise(start + offset, length, MADV_HUGEPAGE);
  inFlight.add(array);
  return new Promise((resolve) => {
    c.madviseAsync(start + offset, length, MADV_POPULATE_WRITE, () => {
      inFlight.delete(array);
      resolve();
    });
  });
}
