import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adviseHugePages } from './huge-pages.js';

const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
/** Whether huge pages come only when asked for (so that asking is what makes the difference). */
const onlyWhenAsked = existsSync(THP) && readFileSync(THP, 'utf8').includes('[madvise]');

/** The process's anonymous memory in huge pages, kB (0 where the kernel does not say). */
function hugeKb(): number {
  if (!existsSync('/proc/self/smaps_rollup')) return 0;
  return Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0);
}

describe('adviseHugePages', () => {
  it('leaves an array as it was, small or large, and where the kernel gives huge pages on request, the large one gets them', () => {
    const small = new Float64Array(1000);
    adviseHugePages(small);
    small.fill(2.5);
    expect(small.every((v) => v === 2.5)).toBe(true);

    const before = hugeKb();
    const large = new Float64Array((24 << 20) / 8).subarray(3);
    adviseHugePages(large);
    for (let i = 0; i < large.length; i++) large[i] = i / 7;
    expect(large.every((v, i) => v === i / 7)).toBe(true);
    if (onlyWhenAsked) expect(hugeKb() - before).toBeGreaterThanOrEqual(2048);
  });
});
