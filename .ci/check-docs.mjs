// Documents that point where they should: no package or app source or README reaches outside the repository for the
// mathematics (`shared/spec`, `../shared`), every `math.md §N` / `§N.M` citation in packages/, apps/, docs/, examples/
// and the root documents names a heading (`## N.` / `### N.M`) of docs/math.md, and every `spec §N` citation in
// linear-dynamics and the benchmarks one of docs/deep-linear.md. The CLI's stated option defaults are checked against
// commander itself in apps/cli/src/help-defaults.test.ts. Prints each problem; exit 1 if any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.turbo', 'coverage', 'bench-results']);
/** What a package or app must not contain: a path to the reference outside the repository. */
const OUTSIDE_PATHS = ['shared/spec', '../shared'];

/** Every file under `dir` (recursively, skipping build output and dependencies) whose name passes `keep`. */
function filesUnder(dir, keep) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) out.push(...filesUnder(path, keep));
    } else if (entry.isFile() && keep(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** The members of packages/ and apps/: their src/ files and their README. */
function memberFiles(root) {
  const out = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir)) {
      const dir = join(groupDir, name);
      if (!statSync(dir).isDirectory()) continue;
      out.push(...filesUnder(join(dir, 'src'), (f) => SOURCE_FILE.test(f) || f.endsWith('.md')));
      if (existsSync(join(dir, 'README.md'))) out.push(join(dir, 'README.md'));
    }
  }
  return out;
}

/** Where citations are looked for: the members' files, docs/ and examples/ (sources and Markdown), the root's Markdown. */
function citingFiles(root) {
  const markdownOrSource = (f) => SOURCE_FILE.test(f) || f.endsWith('.md');
  const rootDocs = readdirSync(root).filter((f) => f.endsWith('.md')).map((f) => join(root, f));
  return [...memberFiles(root), ...filesUnder(join(root, 'docs'), markdownOrSource), ...filesUnder(join(root, 'examples'), markdownOrSource), ...rootDocs];
}

/** The section numbers a document (docs/math.md) has headings for: '2' for `## 2. …`, '2.1' for `### 2.1 …`. */
export function mathSections(mathText) {
  const sections = new Set();
  for (const line of mathText.split('\n')) {
    const top = /^## (\d+)\.\s/.exec(line);
    if (top) sections.add(top[1]);
    const sub = /^### (\d+\.\d+)\.?\s/.exec(line);
    if (sub) sections.add(sub[1]);
  }
  return sections;
}

const NUMBER = String.raw`\d+(?:\.\d+)?`;
/** How a citation names its document: `math.md` (also a Markdown link's `math.md)`), or `spec` for deep-linear.md. */
export const MATH_NAME = String.raw`math\.md\)?`;
export const DEEP_LINEAR_NAME = String.raw`\bspec`;

/**
 * `math.md §2.2`, also as a Markdown link (`[math.md](math.md) §2`) and across a comment's line break (`math.md\n * §0.1`),
 * with what follows in the same citation: a range (`§1–4`, `§1-§4`) or more sections (`§2, §4`, `§0 and §5`).
 */
function citationPattern(name) {
  return new RegExp(String.raw`${name}[\s*/#]*§\s*(${NUMBER})((?:\s*(?:[–-]\s*§?|,\s*§|\s(?:and|or)\s+§)\s*${NUMBER})*)`, 'g');
}

/** The sections one text cites in the named document (default math.md), each with its line number: [{ section, line }]. */
export function citations(text, name = MATH_NAME) {
  const out = [];
  for (const match of text.matchAll(citationPattern(name))) {
    const line = text.slice(0, match.index).split('\n').length;
    out.push({ section: match[1], line });
    for (const more of match[2].matchAll(new RegExp(NUMBER, 'g'))) out.push({ section: more[0], line });
  }
  return out;
}

/** Every problem in the tree at `root`, as 'path:line: what is wrong'. */
export function docsProblems({ root }) {
  const problems = [];
  const where = (file, line) => `${relative(root, file)}${line ? `:${line}` : ''}`;
  for (const file of memberFiles(root)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const path of OUTSIDE_PATHS.filter((p) => text.includes(p))) {
        problems.push(`${where(file, i + 1)}: '${path}' points outside the repository; cite docs/math.md (math.md §N) instead`);
      }
    });
  }
  const documents = [
    { doc: 'docs/math.md', cited: 'math.md', name: MATH_NAME, files: citingFiles(root) },
    { doc: 'docs/deep-linear.md', cited: 'spec', name: DEEP_LINEAR_NAME, files: ['packages/linear-dynamics', 'apps/bench'].flatMap((d) => filesUnder(join(root, d), (f) => SOURCE_FILE.test(f) || f.endsWith('.md'))) },
  ];
  for (const { doc, cited, name, files } of documents) {
    const found = files.flatMap((file) => citations(readFileSync(file, 'utf8'), name).map((c) => ({ ...c, file })));
    if (found.length === 0) continue;
    if (!existsSync(join(root, doc))) {
      problems.push(`${doc} is missing: ${where(found[0].file, found[0].line)} and ${found.length - 1} more cite it as ${cited} §N`);
      continue;
    }
    const sections = mathSections(readFileSync(join(root, doc), 'utf8'));
    for (const { section, line, file } of found.filter((c) => !sections.has(c.section))) {
      const heading = section.includes('.') ? `### ${section}` : `## ${section}.`;
      problems.push(`${where(file, line)}: cites ${cited} §${section}, but ${doc} has no heading '${heading}'; cite an existing section or add it`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = docsProblems({ root: fileURLToPath(new URL('..', import.meta.url)) });
  for (const p of problems) console.error(p);
  process.exit(problems.length > 0 ? 1 : 0);
}
