// Import direction from source: every `import … from`, `export … from`, side-effect `import '…'` and `import('…')` in
// packages/*/src and apps/*/src (.ts). A workspace package may import only the workspace packages its layer allows
// (LAYERING below, the one statement of the graph; docs/architecture.md draws it), only through their exports (never
// `@duality/x/src/…`), only when its package.json declares them, and never by a relative path out of its own folder.
// Dependency-free; check-workspace.mjs runs it, and .ci/check-workspace.test.mjs shows it failing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const PACKAGES = Object.freeze(
  ['linalg-core', 'linear-dynamics', 'mixed-model', 'ntk', 'predictor', 'tabular', 'trainer'].map((name) => `@duality/${name}`),
);

/**
 * Internal imports (and dependencies) each workspace package may have. Lower layers first; an edge only points down:
 * packages never import apps, apps never import each other, and a package imports only packages of lower layers.
 */
export const LAYERING = {
  // layer 0: numbers
  '@duality/linalg-core': [],
  // layer 1: the model, the kernel, the data, each on linalg-core only
  '@duality/mixed-model': ['@duality/linalg-core'],
  '@duality/ntk': ['@duality/linalg-core'],
  '@duality/tabular': ['@duality/linalg-core'],
  // layer 2: what combines them
  '@duality/linear-dynamics': ['@duality/linalg-core', '@duality/ntk'],
  '@duality/trainer': ['@duality/linalg-core', '@duality/mixed-model', '@duality/ntk'],
  // layer 3: a trained model with its preprocessing, from a raw row to the answer
  '@duality/predictor': ['@duality/linalg-core', '@duality/ntk', '@duality/tabular', '@duality/trainer'],
  // apps: any package, no app
  '@duality/cli': PACKAGES,
  '@duality/bench': PACKAGES,
};

/** The folders whose members' src/ is checked. */
export const SOURCE_GROUPS = ['packages', 'apps'];

/** Problems in the layering itself: an edge to an unknown package, or a cycle. */
export function layeringProblems(layering) {
  const problems = [];
  for (const [name, deps] of Object.entries(layering)) {
    for (const dep of deps) if (!(dep in layering)) problems.push(`layering: ${name} -> ${dep}, which has no entry`);
  }
  const state = new Map(); // name -> 'open' | 'done'
  const visit = (name, path) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      problems.push(`layering: cycle ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
      return;
    }
    state.set(name, 'open');
    for (const dep of layering[name] ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(layering)) visit(name, []);
  return problems;
}

/**
 * The module specifiers a TypeScript/JavaScript source imports: static imports and re-exports (`import type` and
 * `export type` included), side-effect imports and dynamic `import()` with a string literal. Comments, strings and
 * template literals are skipped, so an import in a doc comment or a string does not count.
 */
export function importSpecifiers(source) {
  const code = blankCommentsAndStrings(source);
  const found = [];
  const patterns = [
    // import x from '…', import { a } from '…', import type { T } from '…', export { a } from '…', export * from '…'
    /(?<![\w$.])(?:import|export)(?![\w$])[^;'"`()]*?(?<![\w$])from\s*(['"])/g,
    // import '…' (side effects)
    /(?<![\w$.])import\s*(['"])/g,
    // import('…')
    /(?<![\w$.])import\s*\(\s*(['"])/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) {
      const start = match.index + match[0].length; // just after the opening quote
      const end = source.indexOf(match[1], start);
      if (end > start) found.push({ specifier: source.slice(start, end), line: lineOf(source, match.index) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * The source with comments and the contents of strings, template literals and regular-expression literals replaced
 * by spaces (quotes kept, line breaks kept), so that patterns over it see only code.
 */
function blankCommentsAndStrings(source) {
  const out = source.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let previous = ''; // the last significant character of code, to tell a regex literal from a division
  let i = 0;
  const templateDepth = []; // brace depth at each open `${`
  let braces = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
      previous = c;
    } else if (c === '`' || (c === '}' && templateDepth.length > 0 && templateDepth.at(-1) === braces)) {
      if (c === '}') templateDepth.pop();
      // inside a template literal until the closing backtick or the next `${`
      let j = i + 1;
      while (j < source.length && source[j] !== '`' && !(source[j] === '$' && source[j + 1] === '{')) {
        j += source[j] === '\\' ? 2 : 1;
      }
      blank(i + 1, j);
      if (source[j] === '$') {
        templateDepth.push(braces);
        i = j + 2;
        previous = '{';
      } else {
        i = j + 1;
        previous = '`';
      }
    } else if (c === '/' && (previous === '' || '(,=:[!&|?{};+-*%<>~^'.includes(previous) || endsWithKeyword(source, i))) {
      // a regular-expression literal
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
      previous = '/';
    } else {
      if (c === '{') braces++;
      if (c === '}') braces--;
      if (!/\s/.test(c)) previous = c;
      i++;
    }
  }
  return out.join('');
}

/** Whether the code before position `i` ends with a keyword after which `/` starts a regex (`return /x/`). */
function endsWithKeyword(source, i) {
  const before = source.slice(Math.max(0, i - 12), i).trimEnd();
  return /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(before);
}

function lineOf(source, index) {
  let line = 1;
  for (let k = 0; k < index; k++) if (source.charCodeAt(k) === 10) line++;
  return line;
}

/** Every .ts file below `dir`, skipping node_modules and dist. */
function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.isFile() && /\.(?:m|c)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/** The workspace members under `groups` (each folder with a package.json). */
export function workspaceMembers(root, groups = SOURCE_GROUPS) {
  const members = [];
  for (const group of groups) {
    if (!existsSync(join(root, group))) continue;
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const file = join(root, group, entry.name, 'package.json');
      if (entry.isDirectory() && existsSync(file)) {
        members.push({ dir: `${group}/${entry.name}`, pkg: JSON.parse(readFileSync(file, 'utf8')) });
      }
    }
  }
  return members;
}

/** The workspace package a bare specifier names, and the subpath after it ('' for the package itself). */
function splitSpecifier(specifier, names) {
  for (const name of names) {
    if (specifier === name) return { name, subpath: '' };
    if (specifier.startsWith(`${name}/`)) return { name, subpath: specifier.slice(name.length + 1) };
  }
  return undefined;
}

/** Whether a subpath (`x` in `@duality/pkg/x`) is one the package's `exports` map publishes. */
function isExported(pkg, subpath) {
  const exports = pkg.exports;
  if (exports === undefined) return false; // no exports map: only the bare name is public
  if (typeof exports === 'string') return false;
  return Object.keys(exports).some((key) => {
    if (key === `./${subpath}`) return true;
    const star = key.indexOf('*');
    return star >= 0 && `./${subpath}`.startsWith(key.slice(0, star)) && `./${subpath}`.endsWith(key.slice(star + 1));
  });
}

const isTestFile = (file) => /\.test\.(?:m|c)?tsx?$/.test(file) || /(?:^|[/\\])test-[^/\\]*$/.test(file);

/**
 * Problems with the source imports of every member of `groups` under `root` against `layering`: wrong-way (or
 * unlisted) workspace imports, imports of a workspace package's internals, imports of a workspace package the
 * importer's package.json does not declare (a non-test file needs it in dependencies, optional or peer; a test or
 * test helper may use devDependencies), and relative imports that leave the package's folder.
 */
export function sourceImportProblems({ root, layering = LAYERING, groups = SOURCE_GROUPS, members } = {}) {
  const all = members ?? workspaceMembers(root, groups);
  const byName = new Map(all.map((m) => [m.pkg.name, m]));
  // Longest names first, so that `@x/a-b` is not read as `@x/a` + `-b`.
  const names = [...byName.keys()].sort((a, b) => b.length - a.length);
  const problems = [];
  for (const { dir, pkg } of all) {
    const packageRoot = resolve(root, dir);
    const srcDir = join(packageRoot, 'src');
    if (!existsSync(srcDir) || !statSync(srcDir).isDirectory()) continue;
    const allowed = layering[pkg.name];
    const runtime = new Set(Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }));
    const declared = new Set([...runtime, ...Object.keys(pkg.devDependencies ?? {})]);
    for (const file of sourceFiles(srcDir)) {
      const where = relative(root, file).split(sep).join('/');
      for (const { specifier, line } of importSpecifiers(readFileSync(file, 'utf8'))) {
        const at = `${where}:${line}`;
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (target !== packageRoot && !target.startsWith(packageRoot + sep)) {
            problems.push(`${at}: '${specifier}' leaves ${dir}; import the other package by its name`);
          }
          continue;
        }
        const named = splitSpecifier(specifier, names);
        if (named === undefined || named.name === pkg.name) continue; // third party, node:, or itself
        if (named.subpath !== '' && !isExported(byName.get(named.name).pkg, named.subpath)) {
          problems.push(`${at}: '${specifier}' reaches into ${named.name}'s internals; import from '${named.name}'`);
        }
        if (allowed === undefined) {
          problems.push(`${at}: ${pkg.name} imports ${named.name} but has no entry in the layering (.ci/import-direction.mjs)`);
        } else if (!allowed.includes(named.name)) {
          problems.push(
            `${at}: ${pkg.name} may not import ${named.name} (wrong way; it may import ${allowed.join(', ') || 'no workspace package'})`,
          );
        }
        if (!(isTestFile(file) ? declared : runtime).has(named.name)) {
          problems.push(
            `${at}: ${pkg.name} imports ${named.name}, which its package.json does not declare` +
              (declared.has(named.name) ? ' outside devDependencies (this file ships)' : ''),
          );
        }
      }
    }
  }
  return problems;
}
