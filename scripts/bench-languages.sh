#!/usr/bin/env bash
# Node.js and Python functions against the Rust `hello-http`, in one run of
# `fclocal start` serving all three behind HTTP triggers:
#
#   - the first engine build (npm/pip install + componentize) and compile,
#   - cold start (first request on a new instance, after a hot reload),
#   - requests/s, p50 and p99 at 1 and 16 connections, and the ratio to Rust,
#   - RSS of the server idle, then after each 10,000 more requests,
#   - edit -> new answer: from writing a .js/.py file to the first response
#     that shows the change.
#
# The server is pinned to core 0 and wrk to core 1; compare ratios within one
# run, not absolute numbers across machines.
#
# Usage: scripts/bench-languages.sh
#   DURATION=10s             wrk run length
#   FRESH_ENGINES=1          build the engines from scratch in a temporary
#                            cache (needs npm and PyPI) to time the first build;
#                            otherwise the test suite's target/lang-engines is
#                            used (built there if missing, also timed).
# Needs: wrk (installed from Debian's packages when missing), node/npm and
# python3-venv for the engines.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-10s}

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
ensure_wrk
cargo build --release --quiet
(cd functions && cargo build --release --quiet -p hello-http)
fclocal=$root/target/release/fclocal

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${FRESH_ENGINES:-}" = 1 ]; then
  export FCLOCAL_ENGINE_CACHE=$work/engines
else
  export FCLOCAL_ENGINE_CACHE=$root/target/lang-engines
fi

mkdir -p "$work/rust" "$work/node" "$work/python"
cp "$root/target/guests/wasm32-wasip2/release/hello_http.wasm" "$work/rust/hello-http.wasm"
cat > "$work/node/index.js" << 'EOF'
exports.handler = function (request, response, context) {
  response.setHeader('content-type', 'text/plain');
  response.send('hello from node v1');
};
EOF
cat > "$work/python/index.py" << 'EOF'
def handler(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from python v1"]
EOF
cat > "$work/template.yml" << 'EOF'
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  bench:
    Type: 'Aliyun::Serverless::Service'
    rust:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello-http.wasm
        Runtime: custom
        CodeUri: ./rust
      Events:
        web:
          Type: HTTP
          Properties: { AuthType: ANONYMOUS, Methods: ['GET'] }
    node:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: nodejs18
        CodeUri: ./node
      Events:
        web:
          Type: HTTP
          Properties: { AuthType: ANONYMOUS, Methods: ['GET'] }
    python:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: python3.10
        CodeUri: ./python
      Events:
        web:
          Type: HTTP
          Properties: { AuthType: ANONYMOUS, Methods: ['GET'] }
EOF

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

echo "# Language engines ($(nproc) cores; server on core 0, wrk on core 1, $duration per run)"
echo
echo "## First build and compile (engine cache: $FCLOCAL_ENGINE_CACHE)"
echo
# Timing the compile: the engines' compiled code is cached beside them.
rm -rf "$FCLOCAL_ENGINE_CACHE"/engines/*.compiled
started=$(date +%s%N)
"$fclocal" build -t "$work/template.yml" > "$work/build.out" 2> "$work/build.err"
echo "- fclocal build (engines built if missing, then every component compiled): $(ms_since "$started") ms"
grep -E "Built|engine" "$work/build.err" "$work/build.out" | sed 's/^/  /' || true
for engine in "$FCLOCAL_ENGINE_CACHE"/engines/*.wasm; do
  echo "  $(basename "$engine"): $(($(stat -c %s "$engine") / 1024)) KiB"
done
started=$(date +%s%N)
"$fclocal" build -t "$work/template.yml" > /dev/null 2>&1
echo "- the same again, everything cached: $(ms_since "$started") ms"

url() { echo "http://127.0.0.1:8084/2016-08-15/proxy/bench/$1/"; }

taskset -c 0 "$fclocal" start -t "$work/template.yml" --port 8084 > "$work/fclocal.log" 2> "$work/fclocal.err" &
pids+=($!)
server=$!
wait_for "$work/fclocal.log" "listening on port"
echo
echo "## Memory and cold start"
echo
echo "- RSS idle, no instance yet: $(rss_mb "$server") MB"
for fn in rust node python; do
  first=$(curl -s -o /dev/null -w '%{time_total}' "$(url "$fn")")
  warm=$(curl -s -o /dev/null -w '%{time_total}' "$(url "$fn")")
  echo "- $fn: first request (cold instance) $(awk -v t="$first" 'BEGIN { printf "%.1f", t * 1000 }') ms, second $(awk -v t="$warm" 'BEGIN { printf "%.1f", t * 1000 }') ms"
done
echo "- RSS with one instance of each: $(rss_mb "$server") MB"

echo
echo "## Throughput"
echo
echo "| connections | function | requests/s | vs Rust | p50 | p99 |"
echo "|---|---|---|---|---|---|"
for c in 1 16; do
  rust_rps=
  for fn in rust node python; do
    read -r rps p50 p99 _ <<< "$(load "$(url "$fn")" "$c")"
    [ -n "$rust_rps" ] || rust_rps=$rps
    ratio=$(awk -v a="$rps" -v b="$rust_rps" 'BEGIN { printf "%.2f", a / b }')
    echo "| $c | $fn | $rps | ${ratio}× | $p50 | $p99 |"
  done
done

echo
echo "## RSS under load (16 connections, per language)"
echo
for fn in node python; do
  line="- $fn:"
  total=0
  for target in 10000 20000 30000; do
    load_until "$(url "$fn")" "$target"
    line="$line $(rss_mb "$server") MB after $total requests;"
  done
  echo "$line"
done

echo
echo "## Edit -> new answer (fclocal start's file watcher, debounced 300 ms)"
echo
edit() { # $1 function, $2 file, $3 version
  local started body
  sed -i "s/v[0-9]*\([\"']\)/v$3\1/" "$work/$1/$2"
  started=$(date +%s%N)
  for _ in $(seq 1 500); do
    body=$(curl -s "$(url "$1")")
    if [ "$body" = "hello from $1 v$3" ]; then
      echo "- $1 ($2, v$3): $(ms_since "$started") ms"
      return
    fi
    sleep 0.01
  done
  echo "- $1: the new answer never came (last: $body)"
}
for version in 2 3 4; do
  edit node index.js "$version"
  edit python index.py "$version"
done
