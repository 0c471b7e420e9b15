import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prefaultHugePages } from './huge-pages.js';

const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
/** Whether huge pages come only when asked for (so that asking is what makes the difference). */
const onlyWhenAsked = existsSync(THP) && readFileSync(THP, 'utf8').includes('[madvise]');

/** The process's anonymous memory in huge pages, kB (0 where the kernel does not say). */
function hugeKb(): number {
  if (!existsSync('/proc/self/smaps_rollup')) return 0;
  return Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0);
}

describe('prefaultHugePages', () => {
  it('leaves an array as it was, small or large, and where the kernel gives huge pages on request, faults the large one in', async () => {
    const small = new Float64Array(1000);
    await prefaultHugePages(small);
    small.fill(2.5);
    expect(small.every((v) => v === 2.5)).toBe(true);

    const before = hugeKb();
    const large = new Float64Array((24 << 20) / 8).subarray(3);
    const faulted = prefaultHugePages(large);
    // Written while the pages are being faulted in, as the reader does.
    for (let i = 0; i < large.length; i++) large[i] = i / 7;
    await faulted;
    expect(large.every((v, i) => v === i / 7)).toBe(true);
    if (onlyWhenAsked) expect(hugeKb() - before).toBeGreaterThanOrEqual(2048);

    // Faulted in without a write: the pages are there (and still zero) before anything touches them.
    const untouched = new Float64Array((24 << 20) / 8);
    const ahead = hugeKb();
    await prefaultHugePages(untouched);
    if (onlyWhenAsked) expect(hugeKb() - ahead).toBeGreaterThanOrEqual(16 << 10);
    expect(untouched.every((v) => v === 0)).toBe(true);
  });
});
