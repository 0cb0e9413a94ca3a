#!/usr/bin/env bash
# Installs the official SDKs the end-to-end tests use as clients into
# target/sdk-clients/ (a Python venv and node_modules), from the lockfiles
# beside this script: PyPI packages by hash (requirements.txt), npm packages
# with `npm ci` (package-lock.json). Does nothing when the lockfiles have not
# changed since the last install (a stamp holds their checksum), so every
# test process may call it. Prints the install directory on its last line.
#
# Usage: tools/sdk-clients/install.sh [DIR]   (DIR defaults to target/sdk-clients)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${1:-$root/target/sdk-clients}
mkdir -p "$dir"

# One installer at a time: test binaries may start in parallel.
exec 9> "$dir/.lock"
flock 9

stamp=$(cat "$here/requirements.txt" "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
  echo "$dir"
  exit 0
fi
rm -f "$dir/.stamp"

command -v python3 > /dev/null || { echo "python3 is missing: apt-get install python3 python3-venv" >&2; exit 1; }
command -v npm > /dev/null || { echo "npm is missing: apt-get install nodejs npm" >&2; exit 1; }

rm -rf "$dir/venv"
python3 -m venv "$dir/venv" >&2
# Some of Alibaba's packages publish only source archives.
"$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --require-hashes --prefer-binary -r "$here/requirements.txt" >&2

mkdir -p "$dir/node"
cp "$here/package.json" "$here/package-lock.json" "$dir/node/"
(cd "$dir/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

echo "$stamp" > "$dir/.stamp"
echo "$dir"
