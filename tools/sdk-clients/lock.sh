#!/usr/bin/env bash
# Re-locks the SDK clients after an edit of requirements.in or package.json:
# requirements.txt with every file's hash (pip-tools' pip-compile, run from a
# throwaway venv) and package-lock.json (npm). Commit both lockfiles.
set -euo pipefail
cd "$(dirname "$0")"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check pip-tools==7.7.0
"$tools/venv/bin/pip-compile" --quiet --generate-hashes --strip-extras --no-emit-index-url \
  -o requirements.txt requirements.in
npm install --package-lock-only --ignore-scripts --no-audit --no-fund
