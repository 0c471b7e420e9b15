import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { backendInfo } from '@duality/linalg-core';
import { writeSuiteResult } from './harness.js';
import { suites } from './suites/index.js';

/** `bench [suite …] [--quick] [--out DIR]`: run suites, write JSON + Markdown, fail on broken invariants. */
async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick') || process.env.DUALITY_BENCH_QUICK === '1';
  const outIndex = argv.indexOf('--out');
  const outDir = resolve(outIndex >= 0 ? argv[outIndex + 1]! : 'bench-results');
  const names = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--out');
  const unknown = names.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite ${unknown.join(', ')}; suites: ${suites.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const chosen = names.length > 0 ? suites.filter((s) => names.includes(s.name)) : suites;
  const meta = {
    date: new Date().toISOString(),
    quick,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
    linalg: backendInfo(),
    command: `bench ${argv.join(' ')}`.trim(),
  };
  console.log(`# Duality benchmarks (${quick ? 'quick' : 'full'}): ${meta.machine}; linalg ${meta.linalg.name}`);
  let broken = 0;
  for (const suite of chosen) {
    const started = Date.now();
    const result = await suite.run({ quick, log: (line) => console.log(`  [${suite.name}] ${line}`) });
    console.log(writeSuiteResult(outDir, suite, result, meta));
    console.log(`(${suite.name}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    broken += result.invariants.filter((i) => !i.ok).length;
  }
  if (broken > 0) console.error(`${broken} invariant(s) broken`);
  return broken > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
