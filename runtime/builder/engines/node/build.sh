#!/usr/bin/env bash
# Builds fclocal's Node.js language engine component.
#
#   FCLOCAL_ENGINE_SRC=<this dir> FCLOCAL_WIT_DIR=<runtime/wit> bash build.sh OUT.wasm
#
# Runs in the current directory, a scratch work dir that may be kept between
# builds: it copies the sources there, installs the pinned npm packages
# (`npm ci`, only when package-lock.json changed), bundles src/ with esbuild
# and componentizes the bundle against the `language-engine` world.
set -euo pipefail

say() { printf 'fclocal node engine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ $# -eq 1 ] || die "usage: build.sh OUT.wasm"
out=$1
case $out in /*) ;; *) out=$PWD/$out ;; esac
src=${FCLOCAL_ENGINE_SRC:?FCLOCAL_ENGINE_SRC must name the engine source directory}
wit=${FCLOCAL_WIT_DIR:?FCLOCAL_WIT_DIR must name the WIT directory}
[ -f "$src/package-lock.json" ] || die "$src has no package-lock.json"
[ -d "$wit" ] || die "no WIT directory at $wit"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  die "building the Node.js engine needs node (18 or newer) and npm: apt-get install nodejs npm"
fi
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || die "node $(node --version) is too old; the Node.js engine needs node 18 or newer"

# Nothing to do when the component was built here from the same inputs
# (sources, lockfile, WIT, node) and is still in place.
inputs=$(node - "$src" "$wit" "$out" <<'JS'
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const [src, wit, out] = process.argv.slice(2);
const hash = createHash('sha256').update(process.version + '\0' + out + '\0');
const walk = (dir, rel) => {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'build') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, rel + name + '/');
    else hash.update(rel + name + '\0').update(readFileSync(path)).update('\0');
  }
};
walk(src, 'src:');
walk(wit, 'wit:');
console.log(hash.digest('hex'));
JS
)
component_hash() { node -e 'console.log(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' "$1"; }
if [ -f "$out" ] && [ -f .fclocal-built ] && [ "$(cat .fclocal-built)" = "$inputs $(component_hash "$out")" ]; then
  say "up to date: $out"
  exit 0
fi

# Fresh copies of the sources; node_modules stays.
rm -rf src build
cp -R "$src/src" src
cp "$src/package.json" "$src/build.mjs" .
cp "$src/package-lock.json" package-lock.json

stamp=node_modules/.fclocal-package-lock.json
if [ -d node_modules ] && cmp -s package-lock.json "$stamp"; then
  say "npm packages up to date"
else
  say "installing pinned npm packages (npm ci)"
  rm -f "$stamp"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi

started=$(date +%s)
rm -f .fclocal-built
node build.mjs "$out.tmp" "$wit"
mv "$out.tmp" "$out"
echo "$inputs $(component_hash "$out")" >.fclocal-built
say "built $out in $(( $(date +%s) - started ))s"
