import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

/** Linux's `MADV_HUGEPAGE` and the x86-64/arm64 huge page size. */
const MADV_HUGEPAGE = 14;
const HUGE_PAGE = 2 ** 21;

interface Advise {
  address: (array: Float64Array) => bigint;
  madvise: (address: bigint, length: number, advice: number) => number;
}

let advise: Advise | null | undefined;

/** libc's madvise through koffi (the FFI linalg-core loads BLAS with); null off Linux or where either cannot load. */
function loadAdvise(): Advise | null {
  if (advise !== undefined) return advise;
  advise = null;
  if (process.platform !== 'linux') return advise;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
    const madvise = koffi.load('libc.so.6').func('int madvise(uintptr_t addr, size_t length, int advice)');
    advise = { address: (array) => koffi.address(array), madvise: (address, length, advice) => madvise(address, length, advice) as number };
  } catch {
    // No koffi or no glibc: the pages stay 4 kB, which only costs time.
  }
  return advise;
}

/**
 * Ask Linux to back a large, not yet touched array with 2 MB pages (transparent huge pages; `madvise` is the usual
 * kernel default, so nothing happens without asking). Memory is dear the first time it is touched: on the 2-core
 * bench VM a 4 kB page fault costs ~3.5 s a GB, most of it outside the guest, and two threads faulting at once go no
 * faster than one; in 2 MB pages the same GB costs 1.7 s. Only the whole huge pages inside the array are advised; a
 * failure (old kernel, huge pages off, no koffi) leaves the array as it was.
 */
export function adviseHugePages(array: Float64Array): void {
  if (array.byteLength < 2 * HUGE_PAGE) return;
  const libc = loadAdvise();
  if (!libc) return;
  const start = libc.address(array);
  const huge = BigInt(HUGE_PAGE);
  const offset = (huge - (start % huge)) % huge;
  const length = Math.floor((array.byteLength - Number(offset)) / HUGE_PAGE) * HUGE_PAGE;
  if (length > 0) libc.madvise(start + offset, length, MADV_HUGEPAGE);
}
