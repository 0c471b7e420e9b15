// Workspace consistency: internal dependencies are `workspace:*`; a third-party dependency has one range everywhere;
// publishable packages carry the fields users and bundlers rely on; dependencies point one way (the layering below),
// and the TF.js-free packages stay TF.js-free transitively, in the manifests and in the source imports
// (import-direction.mjs). Prints each problem; exit status 1 if any.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAYERING, layeringProblems, SOURCE_GROUPS, sourceImportProblems, workspaceMembers } from './import-direction.mjs';

const root = new URL('..', import.meta.url).pathname;
const groups = ['packages', 'apps', 'tooling', 'examples'];

/** Internal dependencies each package and app may have: the direction of the workspace (import-direction.mjs). */
const allowedInternal = LAYERING;
/** Usable without TensorFlow.js installed. */
const tfjsFree = ['@duality/linalg-core', '@duality/mixed-model', '@duality/tabular'];
const dependencyFields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

const manifests = [{ dir: '.', pkg: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) }, ...workspaceMembers(root, groups)];
const byName = new Map(manifests.map((m) => [m.pkg.name, m]));
const problems = [];
const rangesOf = new Map(); // third-party name -> Map(range -> [where])

for (const { dir, pkg } of manifests) {
  const where = `${dir}/package.json`;
  for (const field of dependencyFields.filter((f) => f !== 'peerDependencies')) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      if (byName.has(dep)) {
        if (range !== 'workspace:*') problems.push(`${where}: ${field}.${dep} is "${range}"; use "workspace:*"`);
        if (!pkg.private && byName.get(dep).pkg.private && field !== 'devDependencies') {
          problems.push(`${where}: publishable ${pkg.name} depends on private ${dep}; make it a devDependency or drop it`);
        }
      } else {
        if (!rangesOf.has(dep)) rangesOf.set(dep, new Map());
        const ranges = rangesOf.get(dep);
        ranges.set(range, [...(ranges.get(range) ?? []), where]);
      }
    }
  }
  if (pkg.private || dir === '.') continue;

  // Publishable package: the manifest fields the README and pack-check rely on.
  const source = pkg.exports?.['.'];
  const keys = source && typeof source === 'object' ? Object.keys(source) : [];
  if (keys.join() !== '@duality/source,types,import') {
    problems.push(`${where}: exports["."] must list "@duality/source", "types", "import" in that order, got [${keys}]`);
  }
  if (pkg.type !== 'module') problems.push(`${where}: "type" must be "module"`);
  if (pkg.sideEffects !== false) problems.push(`${where}: "sideEffects" must be false`);
  if (!pkg.engines?.node) problems.push(`${where}: "engines.node" is missing`);
  if (!pkg.license) problems.push(`${where}: "license" is missing`);
  if (pkg.repository?.directory !== dir) problems.push(`${where}: repository.directory must be "${dir}"`);
  const first = manifests.find((m) => !m.pkg.private && m.dir !== '.');
  if (pkg.repository?.url !== first.pkg.repository?.url) {
    problems.push(`${where}: repository.url must match ${first.dir}'s (${first.pkg.repository?.url})`);
  }
  if (!existsSync(join(root, dir, 'README.md'))) problems.push(`${dir}: README.md is missing`);
}

// Layering, for every package and app (publishable or not): its manifest's internal dependencies.
problems.push(...layeringProblems(allowedInternal));
const sourceMembers = manifests.filter((m) => SOURCE_GROUPS.includes(m.dir.split('/')[0]));
for (const { dir, pkg } of sourceMembers) {
  const where = `${dir}/package.json`;
  if (!(pkg.name in allowedInternal)) {
    problems.push(`${where}: ${pkg.name} is not in .ci/import-direction.mjs's layering; add it with its allowed dependencies`);
    continue;
  }
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
    if (byName.has(dep) && !allowedInternal[pkg.name].includes(dep)) {
      problems.push(`${where}: ${pkg.name} may not depend on ${dep} (layering: ${allowedInternal[pkg.name].join(', ') || 'nothing internal'})`);
    }
  }
}
// ... and its source imports.
problems.push(...sourceImportProblems({ root, layering: allowedInternal, members: sourceMembers }));

for (const [dep, ranges] of rangesOf) {
  if (ranges.size > 1) {
    const list = [...ranges].map(([range, where]) => `"${range}" in ${where.join(', ')}`).join('; ');
    problems.push(`${dep} has different ranges: ${list}; use one`);
  }
}

for (const name of tfjsFree) {
  const seen = new Set();
  const visit = (current, path) => {
    if (seen.has(current)) return;
    seen.add(current);
    const pkg = byName.get(current)?.pkg;
    for (const dep of Object.keys({ ...pkg?.dependencies, ...pkg?.optionalDependencies, ...pkg?.peerDependencies })) {
      if (dep.startsWith('@tensorflow/')) problems.push(`${name} must work without TF.js, but ${[...path, dep].join(' -> ')}`);
      if (byName.has(dep)) visit(dep, [...path, dep]);
    }
  };
  visit(name, [name]);
}

if (problems.length > 0) {
  console.error(`workspace check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`workspace check: ${manifests.length} manifests consistent, source imports follow the layering`);
