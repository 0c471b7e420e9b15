// The documents check, checked: it fails on a path outside the repository and on a citation of a section docs/math.md
// does not have, in a fixture tree, and passes on the real one. Run by the root `pnpm test` (vitest.config.ts's "ci" project).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { citations, DEEP_LINEAR_NAME, docsProblems, mathSections } from './check-docs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const trees = [];
afterEach(() => {
  for (const dir of trees.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const MATH = ['# Mathematics', '', '## 0. Conventions', '', '### 0.1 Zero initial output', '', '## 2. Likelihood', '', '### 2.2 Fixed effects', ''].join('\n');

/** A temporary tree with docs/math.md (sections 0, 0.1, 2, 2.2) and the given files: { 'path/in/tree': text }. */
function tree(files) {
  const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
  trees.push(dir);
  for (const [path, content] of Object.entries({ 'docs/math.md': MATH, ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('citations and headings', () => {
  it('reads the headings of math.md as section numbers', () => {
    expect([...mathSections(MATH)]).toEqual(['0', '0.1', '2', '2.2']);
  });

  it('finds single citations, ranges, lists and citations broken across comment lines', () => {
    const text = 'a (math.md §2.2)\nb math.md §1–4\nc (math.md §2, §4) and math.md §0 and §5\n * (math.md\n *   §0.1: why)\n[math.md](../docs/math.md) §3';
    expect(citations(text)).toEqual([
      { section: '2.2', line: 1 },
      { section: '1', line: 2 },
      { section: '4', line: 2 },
      { section: '2', line: 3 },
      { section: '4', line: 3 },
      { section: '0', line: 3 },
      { section: '5', line: 3 },
      { section: '0.1', line: 4 },
      { section: '3', line: 6 },
    ]);
  });
});

describe('docsProblems', () => {
  it('passes sources and READMEs that cite existing sections', () => {
    const dir = tree({
      'packages/low/src/index.ts': '/** The loss of math.md §0; f0 (math.md §0.1) and X (math.md §2.2). */\nexport const low = 1;\n',
      'packages/low/README.md': 'Conventions: [docs/math.md](../../docs/math.md) §2.\n',
      'docs/guide.md': 'See math.md §2 and §0.1.\n',
    });
    expect(docsProblems({ root: dir })).toEqual([]);
  });

  it('fails a package that points at the reference outside the repository, in source or README', () => {
    const dir = tree({
      'packages/low/src/index.ts': '// derived in shared/spec/math.md\nexport const low = 1;\n',
      'apps/tool/README.md': 'The mathematics: `../shared/notes.md`.\n',
    });
    const problems = docsProblems({ root: dir });
    expect(problems).toHaveLength(2);
    expect(problems).toContain("packages/low/src/index.ts:1: 'shared/spec' points outside the repository; cite docs/math.md (math.md §N) instead");
    expect(problems.some((p) => p.startsWith("apps/tool/README.md:1: '../shared' points outside the repository"))).toBe(true);
  });

  it('fails a citation of a section math.md does not have, in packages, apps and docs', () => {
    const dir = tree({
      'packages/low/src/index.ts': 'export const low = 1;\n\n/** Wrong: math.md §2.3. */\nexport const high = 2;\n',
      'apps/tool/src/main.ts': '// math.md §1–2\n',
      'docs/guide.md': 'Fine: math.md §0.1. Wrong: math.md §7.4.\n',
    });
    expect(docsProblems({ root: dir })).toEqual([
      "packages/low/src/index.ts:3: cites math.md §2.3, but docs/math.md has no heading '### 2.3'; cite an existing section or add it",
      "apps/tool/src/main.ts:1: cites math.md §1, but docs/math.md has no heading '## 1.'; cite an existing section or add it",
      "docs/guide.md:1: cites math.md §7.4, but docs/math.md has no heading '### 7.4'; cite an existing section or add it",
    ]);
  });

  it('fails a linear-dynamics `spec §N` citation that docs/deep-linear.md lacks, and a missing deep-linear.md', () => {
    const source = '/** The DMFT (spec §2.2); lazy limit (spec §2.4). */\nexport const x = 1;\n';
    const dir = tree({ 'packages/linear-dynamics/src/dmft.ts': source, 'docs/deep-linear.md': '## 2. Theory\n\n### 2.2 Equations\n' });
    expect(docsProblems({ root: dir })).toEqual([
      "packages/linear-dynamics/src/dmft.ts:1: cites spec §2.4, but docs/deep-linear.md has no heading '### 2.4'; cite an existing section or add it",
    ]);
    const without = tree({ 'packages/linear-dynamics/src/dmft.ts': source });
    expect(docsProblems({ root: without })).toEqual(['docs/deep-linear.md is missing: packages/linear-dynamics/src/dmft.ts:1 and 1 more cite it as spec §N']);
    expect(citations('a spec §1.2; the spec’s loss; respec §3', DEEP_LINEAR_NAME)).toEqual([{ section: '1.2', line: 1 }]);
  });

  it('passes the real tree: every citation resolves, nothing points outside', () => {
    expect(docsProblems({ root })).toEqual([]);
  });
});

describe('node .ci/check-docs.mjs', () => {
  it('exits 0 on the real tree', () => {
    const run = spawnSync(process.execPath, [join(here, 'check-docs.mjs')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('exits 1 on a deliberate mistake (a citation of a missing section), naming it', () => {
    const dir = tree({ 'packages/low/src/index.ts': '// math.md §9\n' });
    mkdirSync(join(dir, '.ci'));
    copyFileSync(join(here, 'check-docs.mjs'), join(dir, '.ci', 'check-docs.mjs'));
    const run = spawnSync(process.execPath, [join(dir, '.ci', 'check-docs.mjs')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("packages/low/src/index.ts:1: cites math.md §9, but docs/math.md has no heading '## 9.'");
  });
});
