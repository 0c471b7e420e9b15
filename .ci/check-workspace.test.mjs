// The workspace check, checked: it fails on wrong-way, undeclared, internal and escaping imports in a fixture tree, and
// passes on the real one. Run by the root `pnpm test` (vitest.config.ts's "ci" project).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { importSpecifiers, LAYERING, layeringProblems, sourceImportProblems } from './import-direction.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const fixtureLayering = { '@fake/low': [], '@fake/high': ['@fake/low'] };

const trees = [];
afterEach(() => {
  for (const dir of trees.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary tree: { 'path/in/tree': text or object (written as JSON) }. */
function tree(files) {
  const dir = mkdtempSync(join(tmpdir(), 'workspace-check-'));
  trees.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** Two fake packages: high depends on low (the right way); `lowSource` and `highSource` are their src/index.ts. */
function twoPackages({ lowSource = 'export const low = 1;\n', highSource = "import { low } from '@fake/low';\nexport const high = low;\n", highDeps = { '@fake/low': 'workspace:*' } } = {}) {
  return tree({
    'packages/low/package.json': { name: '@fake/low', exports: { '.': './src/index.ts' } },
    'packages/low/src/index.ts': lowSource,
    'packages/low/src/internal.ts': 'export const hidden = 2;\n',
    'packages/high/package.json': { name: '@fake/high', exports: { '.': './src/index.ts' }, dependencies: highDeps },
    'packages/high/src/index.ts': highSource,
  });
}

const check = (dir) => sourceImportProblems({ root: dir, layering: fixtureLayering });

describe('source import check', () => {
  it('passes two packages importing the right way', () => {
    expect(check(twoPackages())).toEqual([]);
  });

  it('fails a lower layer importing a higher one (the wrong way)', () => {
    const dir = twoPackages({ lowSource: "import { high } from '@fake/high';\nexport const low = high;\n" });
    const problems = check(dir);
    expect(problems).toHaveLength(2); // the wrong way, and not declared either
    expect(problems[0]).toMatch(/^packages\/low\/src\/index\.ts:1: @fake\/low may not import @fake\/high \(wrong way/);
    expect(problems[1]).toContain('@fake/low imports @fake/high, which its package.json does not declare');
  });

  it('fails the wrong way through a re-export, a type-only import and a dynamic import() too', () => {
    for (const line of [
      "export { high } from '@fake/high';",
      "export * from '@fake/high';",
      "import type { High } from '@fake/high';",
      "import '@fake/high';",
      "export const load = () => import('@fake/high');",
      "import {\n  high,\n  other,\n} from '@fake/high';",
    ]) {
      const problems = check(twoPackages({ lowSource: `${line}\n` }));
      expect(problems.some((p) => p.includes('@fake/low may not import @fake/high')), line).toBe(true);
    }
  });

  it('does not count imports in comments or strings', () => {
    const lowSource = [
      "// import { high } from '@fake/high';",
      "/** Example: `import { high } from '@fake/high'` */",
      "export const text = \"import { high } from '@fake/high'\";",
      "export const template = `import('@fake/high') ${'x'}`;",
      "export const pattern = /from '@fake\\/high'/;",
    ].join('\n');
    expect(check(twoPackages({ lowSource }))).toEqual([]);
  });

  it("fails an import of another package's internals, by name or by a relative path out of the package", () => {
    const byName = check(twoPackages({ highSource: "import { hidden } from '@fake/low/src/internal.js';\n" }));
    expect(byName).toEqual([expect.stringContaining("'@fake/low/src/internal.js' reaches into @fake/low's internals")]);
    const relative = check(twoPackages({ highSource: "import { hidden } from '../../low/src/internal.js';\n" }));
    expect(relative).toEqual([expect.stringContaining("'../../low/src/internal.js' leaves packages/high")]);
  });

  it('fails an allowed import its package.json does not declare', () => {
    const problems = check(twoPackages({ highDeps: {} }));
    expect(problems).toEqual([expect.stringContaining('@fake/high imports @fake/low, which its package.json does not declare')]);
  });

  it('finds the same imports as TypeScript in every real source file', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packages/*/src/*.ts', 'packages/*/src/**/*.ts', 'apps/*/src/*.ts', 'apps/*/src/**/*.ts'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    let count = 0;
    for (const file of files) {
      let text;
      try {
        text = readFileSync(join(root, file), 'utf8');
      } catch {
        continue; // deleted in the working tree
      }
      const mine = importSpecifiers(text).map((i) => i.specifier).sort();
      const typescript = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName).sort();
      expect(mine, file).toEqual(typescript);
      count += mine.length;
    }
    expect(count).toBeGreaterThan(200);
  });

  it('passes the real tree, whose layering has no cycle', () => {
    expect(layeringProblems(LAYERING)).toEqual([]);
    expect(layeringProblems({ a: ['b'], b: ['a'] })).toEqual(['layering: cycle a -> b -> a']);
    expect(sourceImportProblems({ root })).toEqual([]);
  });
});

describe('node .ci/check-workspace.mjs', () => {
  it('exits 0 on the real tree', () => {
    const run = spawnSync(process.execPath, [join(here, 'check-workspace.mjs')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('exits 1 when linalg-core imports mixed-model (a deliberate wrong-way import)', () => {
    const manifest = (name, dependencies = {}) => ({ name, private: true, type: 'module', dependencies });
    const dir = tree({
      'package.json': { name: 'fixture', private: true },
      'packages/linalg-core/package.json': manifest('@duality/linalg-core'),
      'packages/linalg-core/src/index.ts': "import { fitSpectral } from '@duality/mixed-model';\nexport const f = fitSpectral;\n",
      'packages/mixed-model/package.json': manifest('@duality/mixed-model', { '@duality/linalg-core': 'workspace:*' }),
      'packages/mixed-model/src/index.ts': "export { eigSym } from '@duality/linalg-core';\nexport const fitSpectral = 1;\n",
    });
    for (const file of ['check-workspace.mjs', 'import-direction.mjs']) {
      mkdirSync(join(dir, '.ci'), { recursive: true });
      copyFileSync(join(here, file), join(dir, '.ci', file));
    }
    const run = spawnSync(process.execPath, [join(dir, '.ci', 'check-workspace.mjs')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('packages/linalg-core/src/index.ts:1: @duality/linalg-core may not import @duality/mixed-model (wrong way');
  });
});
