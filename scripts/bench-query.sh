#!/usr/bin/env bash
# The logstore's query bench and, on the very same rows, a DuckDB baseline:
#
#   1. `cargo bench -p fclocal-logstore --bench query` with its database kept
#      (ingest, searches, GROUP BYs, plain-SQLite baselines, histograms);
#   2. DuckDB (PyPI `duckdb`, pinned, in a venv under target/) reading those
#      rows through Python's sqlite3 and timing the same GROUP BYs, from the
#      JSON text and from a column (tools/bench/query_baseline.py).
#
# Nothing here touches the project's dependencies: DuckDB lives in the venv.
#
# Usage: scripts/bench-query.sh
#   FCLOCAL_BENCH_LINES=1000000   lines to ingest (default 1,000,000)
#   SKIP_DUCKDB=1                 only the cargo bench
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/bench-query"
db="$work/bench.db"
mkdir -p "$work"
rm -f "$db" "$db-wal" "$db-shm"

echo "uptime: $(uptime)"
FCLOCAL_BENCH_DB="$db" cargo bench -p fclocal-logstore --bench query

if [ "${SKIP_DUCKDB:-}" = 1 ]; then
  exit 0
fi
venv="$work/venv"
# Pinned with every file's hash (tools/bench/requirements.txt, made from
# requirements.in by pip-compile --generate-hashes); reinstalled when it changes.
lock="$root/tools/bench/requirements.txt"
if ! cmp -s "$lock" "$venv/installed.txt" 2> /dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$lock"
  cp "$lock" "$venv/installed.txt"
fi
echo "uptime: $(uptime)"
"$venv/bin/python" "$root/tools/bench/query_baseline.py" "$db"
