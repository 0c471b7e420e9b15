import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rerunWithHugePages } from './huge-pages.js';

const saved = { tunables: process.env.GLIBC_TUNABLES, off: process.env.DUALITY_HUGE_PAGES };
afterEach(() => {
  for (const [name, value] of [['GLIBC_TUNABLES', saved.tunables], ['DUALITY_HUGE_PAGES', saved.off]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A stand-in for the CLI: records the GLIBC_TUNABLES it started with, exits 7. */
function recorder(): { script: string; seen: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'duality-huge-'));
  const out = join(dir, 'seen.txt');
  const script = join(dir, 'record.cjs');
  writeFileSync(script, `require('node:fs').writeFileSync(${JSON.stringify(out)}, process.env.GLIBC_TUNABLES ?? ''); process.exit(7);`);
  return { script, seen: () => readFileSync(out, 'utf8') };
}

describe.skipIf(process.platform !== 'linux')('a heavy command runs again with huge pages', () => {
  it('runs the command line again with the tunable added to any already set, and passes on its exit status', async () => {
    delete process.env.GLIBC_TUNABLES;
    const first = recorder();
    expect(await rerunWithHugePages(['analyze', 'big.csv'], [first.script])).toBe(7);
    expect(first.seen()).toBe('glibc.malloc.hugetlb=1');
    process.env.GLIBC_TUNABLES = 'glibc.malloc.arena_max=2';
    const second = recorder();
    expect(await rerunWithHugePages(['train', 'big.csv'], [second.script])).toBe(7);
    expect(second.seen()).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  });

  it('does nothing for a light command, for help, once the tunable is set, or with DUALITY_HUGE_PAGES=0', async () => {
    const { script } = recorder();
    delete process.env.GLIBC_TUNABLES;
    expect(await rerunWithHugePages(['info'], [script])).toBeUndefined();
    expect(await rerunWithHugePages(['demo'], [script])).toBeUndefined();
    expect(await rerunWithHugePages(['analyze', '--help'], [script])).toBeUndefined();
    expect(await rerunWithHugePages(['help', 'train'], [script])).toBeUndefined();
    process.env.DUALITY_HUGE_PAGES = '0';
    expect(await rerunWithHugePages(['analyze', 'big.csv'], [script])).toBeUndefined();
    delete process.env.DUALITY_HUGE_PAGES;
    process.env.GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1';
    expect(await rerunWithHugePages(['analyze', 'big.csv'], [script])).toBeUndefined();
  });
});
