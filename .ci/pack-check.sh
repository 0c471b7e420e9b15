#!/usr/bin/env bash
# Installability check, the way a user installs: build, `pnpm pack` every publishable package, install ONLY the
# tarballs into a fresh project outside the workspace (third-party dependencies come from the registry), and run
# each package's README example there, typechecked against the shipped .d.ts and run without the
# `@duality/source` condition. Also: packed manifests carry no `workspace:` ranges, and linalg-core, mixed-model
# and tabular install and run without TensorFlow.js. Standalone and idempotent; prints one line per check and the
# log of the failing step; exit status non-zero on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/duality-pack-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$work/log"
tsx="$root/node_modules/.bin/tsx"
tsc="$root/node_modules/typescript/bin/tsc"

# Run a step quietly; on failure show its output and stop.
run() {
  local what=$1; shift
  if ! "$@" >"$log" 2>&1; then
    echo "pack-check: FAILED: $what" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
}

run "pnpm build" pnpm --dir "$root" build --output-logs=errors-only

# Publishable = every non-private workspace package under packages/.
mapfile -t dirs < <(cd "$root" && for d in packages/*/; do
  node -e 'process.exit(require(process.argv[1]).private ? 1 : 0)' "$root/$d/package.json" && echo "${d%/}"
done)
mkdir -p "$work/tarballs" "$work/consumer" "$work/readme"
for d in "${dirs[@]}"; do
  run "pnpm pack in $d" pnpm --dir "$root/$d" pack --pack-destination "$work/tarballs"
done

# Packed manifests: internal ranges rewritten to real versions; test files and sources' tests not shipped.
for tgz in "$work"/tarballs/*.tgz; do
  name=$(basename "$tgz")
  if grep -q '"workspace:' <<<"$(tar -xOzf "$tgz" package/package.json)"; then
    echo "pack-check: FAILED: $name still has a workspace: range in package.json" >&2; exit 1
  fi
  files=$(tar -tzf "$tgz")
  if grep -Eq '\.test\.(ts|js)$' <<<"$files"; then
    echo "pack-check: FAILED: $name ships test files" >&2; exit 1
  fi
  grep -qx 'package/dist/index.js' <<<"$files" || { echo "pack-check: FAILED: $name has no dist/index.js" >&2; exit 1; }
  grep -qx 'package/dist/index.d.ts' <<<"$files" || { echo "pack-check: FAILED: $name has no dist/index.d.ts" >&2; exit 1; }
done
echo "pack-check: packed ${#dirs[@]} packages (no workspace: ranges, dist + types present)"

# README examples: the first ```ts block of each README, as an ES module.
for d in "${dirs[@]}"; do
  short=$(basename "$d")
  awk '/^```ts$/ && !done { on = 1; next } /^```$/ && on { on = 0; done = 1 } on' "$root/$d/README.md" \
    >"$work/readme/$short.ts"
  [ -s "$work/readme/$short.ts" ] || { echo "pack-check: FAILED: $d/README.md has no \`\`\`ts example" >&2; exit 1; }
done

cd "$work/consumer"
cat >package.json <<'JSON'
{ "name": "duality-consumer", "private": true, "type": "module" }
JSON
cat >tsconfig.json <<JSON
{
  "compilerOptions": {
    "target": "ES2023", "lib": ["ES2023"], "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "noEmit": true,
    "typeRoots": ["$root/node_modules/@types"], "types": ["node"]
  }
}
JSON
# The tabular README reads the user's own data.csv.
printf 'price,area,district\n310,72,north\n255,55,south\n402,90,north\n198,41,east\n350,80,south\n279,60,east\n' >data.csv
npm_install() {
  run "npm install $*" npm install --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error "$@"
}
tarball() { ls "$work"/tarballs/duality-"$1"-[0-9]*.tgz; }

check_examples() {
  local short
  for short in "$@"; do
    cp "$work/readme/$short.ts" "readme-$short.ts"
    run "plain Node import of @duality/$short" node --input-type=module -e "await import('@duality/$short')"
    run "README example of $short: typecheck against the packed .d.ts" node "$tsc" -p . --skipLibCheck "$skip_lib_check"
    run "README example of $short: run" "$tsx" "readme-$short.ts"
    echo "pack-check: @duality/$short: imports under plain Node; README example typechecks and runs"
  done
}

# Stage 1: the packages that must not need TensorFlow.js.
npm_install "$(tarball linalg-core)" "$(tarball mixed-model)" "$(tarball tabular)"
if [ -e node_modules/@tensorflow ]; then
  echo "pack-check: FAILED: linalg-core/mixed-model/tabular pulled in @tensorflow/*: $(ls node_modules/@tensorflow)" >&2
  exit 1
fi
# Without TF.js every .d.ts typechecks too (skipLibCheck off); TF.js's own declarations need the DOM library.
skip_lib_check=false
check_examples linalg-core mixed-model tabular

# Stage 2: everything.
npm_install "$work"/tarballs/*.tgz
# Internal dependencies must come from the tarballs, never from the registry.
if grep -Eq '"resolved": "https?://[^"]*/@duality/' package-lock.json; then
  echo "pack-check: FAILED: an @duality package was fetched from the registry instead of the tarballs" >&2; exit 1
fi
skip_lib_check=true
check_examples ntk trainer linear-dynamics
echo "pack-check: ok"
