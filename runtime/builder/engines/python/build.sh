#!/usr/bin/env bash
# Builds fclocal's Python language engine: one WebAssembly component that
# runs any Function Compute Python handler mounted at /code.
#
#   bash "$FCLOCAL_ENGINE_SRC/build.sh" OUT.wasm
#
# cwd: a persistent scratch directory (the venv and a copy of the sources
# live there between runs). FCLOCAL_ENGINE_SRC: this directory (read only).
# FCLOCAL_WIT_DIR: fclocal's WIT directory (runtime/wit). Needs python3 (3.9+)
# with venv and pip, and PyPI (or a pip mirror) the first time.
set -euo pipefail

say() { printf 'python engine: %s\n' "$*" >&2; }
die() { printf 'python engine: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: build.sh OUT.wasm"
out=$1
case $out in /*) ;; *) out=$PWD/$out ;; esac
src=${FCLOCAL_ENGINE_SRC:?FCLOCAL_ENGINE_SRC must name the engine source directory}
wit=${FCLOCAL_WIT_DIR:?FCLOCAL_WIT_DIR must name fclocal\'s WIT directory}
[ -f "$src/requirements.txt" ] || die "$src has no requirements.txt"
[ -f "$wit/engine.wit" ] || die "$wit has no engine.wit"

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 ||
    die "python3 not found; on Debian/Ubuntu: apt-get install python3 python3-venv"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    die "$("$python" --version 2>&1) is too old; componentize-py needs Python 3.9 or newer"

sha256() { "$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"; }

# The venv: recreated only when requirements.txt (or python3) changed.
want_venv="$(sha256 "$src/requirements.txt") $("$python" --version 2>&1)"
if [ ! -x venv/bin/componentize-py ] || [ "$(cat venv/.fclocal-requirements 2>/dev/null)" != "$want_venv" ]; then
    say "creating a venv with $("$python" --version 2>&1) in $PWD/venv"
    rm -rf venv
    "$python" -m venv venv >venv.log 2>&1 || {
        cat venv.log >&2
        die "cannot create a venv with $python; on Debian/Ubuntu: apt-get install python3-venv"
    }
    say "installing componentize-py (requirements.txt, hashes checked)"
    venv/bin/python -m pip install --disable-pip-version-check --quiet \
        --require-hashes --only-binary=:all: --no-deps -r "$src/requirements.txt" ||
        die "pip could not install $src/requirements.txt (no network? no wheel for this platform?)"
    echo "$want_venv" >venv/.fclocal-requirements
fi

# Sources: the adapter, and the WIT without the comments above `package`
# (componentize-py's WIT parser takes them for package docs and refuses docs
# on more than one file of a package).
rm -rf app wit
mkdir -p app wit
cp -R "$src/adapter/." app/
find app -name '__pycache__' -prune -exec rm -rf {} +
"$python" - "$wit" wit <<'PY'
import os, sys
source, target = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(source)):
    path = os.path.join(source, name)
    if not (name.endswith(".wit") and os.path.isfile(path)):
        continue
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("package ")), 0)
    with open(os.path.join(target, name), "w", encoding="utf-8") as f:
        f.write("\n".join(lines[start:]))
PY

say "componentizing (CPython 3.14 for WASI, standard library embedded; ~15 s)"
started=$(date +%s)
mkdir -p "$(dirname "$out")"
if ! venv/bin/componentize-py -d wit -w language-engine componentize -p app _fclocal_engine -o "$out.tmp" >componentize.log 2>&1; then
    cat componentize.log >&2
    rm -f "$out.tmp"
    die "componentize-py failed (log above)"
fi
mv "$out.tmp" "$out"
say "built $out ($(( $(wc -c <"$out") / 1024 )) KiB in $(( $(date +%s) - started )) s)"
