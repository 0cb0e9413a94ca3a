#!/usr/bin/env bash
# HTTP-trigger throughput and memory of `fclocal start`, side by side with
# `wasmtime serve` running the very same wasi:http component (functions/hello-http).
#
# Each server is pinned to core 0 and wrk to core 1, one server at a time;
# compare the ratios within one run, not absolute numbers across machines.
# Then: idle RSS of `fclocal start` with the demo template, and RSS after
# ~10,000 and ~100,000 requests.
#
# Usage: scripts/bench-http.sh            (DURATION=10s CONNECTIONS="1 16 64" by default)
# Needs: wrk (installed from Debian's packages when missing) and wasmtime-cli
# 48.0.8 (installed with cargo into target/bench-tools on first run, ~11 min).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-10s}
connections=${CONNECTIONS:-"1 16 64"}
tools=$root/target/bench-tools
wasmtime=$tools/bin/wasmtime

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
ensure_wrk
if [ ! -x "$wasmtime" ]; then
  echo "Installing wasmtime-cli 48.0.8 into $tools (about 11 minutes on 2 cores)..."
  cargo install --root "$tools" wasmtime-cli --version 48.0.8 --locked --no-default-features \
    --features serve,run,cranelift,pooling-allocator,cache,config,component-model,component-model-async,parallel-compilation,logging,addr2line,backtrace
fi
cargo build --release --quiet
(cd functions && cargo build --release --quiet -p hello-http)
component=$root/target/guests/wasm32-wasip2/release/hello_http.wasm

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/dist"
cp "$component" "$work/dist/hello-http.wasm"
cat > "$work/template.yml" << 'EOF'
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  bench:
    Type: 'Aliyun::Serverless::Service'
    hello:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello-http.wasm
        Runtime: custom
        CodeUri: ./dist
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
EOF

start_peer() {
  taskset -c 0 "$wasmtime" serve -Scli --addr 127.0.0.1:8081 "$component" > "$work/peer.log" 2>&1 &
  pids+=($!)
  peer=$!
  wait_for "$work/peer.log" "Serving HTTP"
}

start_fclocal() {
  taskset -c 0 "$root/target/release/fclocal" start -t "$work/template.yml" --port 8082 --no-watch \
    > "$work/fclocal.log" 2> "$work/fclocal.err" &
  pids+=($!)
  fclocal=$!
  wait_for "$work/fclocal.log" "listening on port"
}

echo "# HTTP trigger vs wasmtime serve ($(nproc) cores; servers on core 0, wrk on core 1, $duration per run)"
echo
echo "| connections | server | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
start_peer
start_fclocal
for c in $connections; do
  read -r peer_rps peer_p50 peer_p99 _ <<< "$(load http://127.0.0.1:8081/ "$c")"
  read -r fc_rps fc_p50 fc_p99 _ <<< "$(load http://127.0.0.1:8082/2016-08-15/proxy/bench/hello/ "$c")"
  echo "| $c | wasmtime serve 48.0.8 | $peer_rps | $peer_p50 | $peer_p99 |"
  ratio=$(awk -v a="$fc_rps" -v b="$peer_rps" 'BEGIN { printf "%.2f", a / b }')
  echo "| $c | fclocal start | $fc_rps (${ratio}×) | $fc_p50 | $fc_p99 |"
done
kill "$peer" "$fclocal"
wait "$peer" "$fclocal" 2> /dev/null || true

echo
echo "# Memory"
demo_data=$work/demo-data
# Compile everything first (the language engines too, if this machine has
# not yet), so the idle figure is the server's, not Cranelift's leftovers.
"$root/target/release/fclocal" build -t "$root/template.yml" --data-dir "$demo_data" > /dev/null 2>&1
"$root/target/release/fclocal" start -t "$root/template.yml" --data-dir "$demo_data" --port 8083 --no-watch \
  > "$work/demo.log" 2> "$work/demo.err" &
pids+=($!)
demo=$!
wait_for "$work/demo.log" "listening on port"
echo "- idle RSS of fclocal start with the demo template: $(rss_mb "$demo") MB"
# The demo's own startup then runs: Marbles seeds its demo owners and
# marbles, and the block topic delivers each block to the Python rewards
# function, whose instance stays for the idle timeout (5 minutes) as on FC.
sleep 15
echo "- RSS 15 s later, the demo's seeding done (one Python rewards instance alive): $(rss_mb "$demo") MB"
url=http://127.0.0.1:8083/2016-08-15/proxy/marblesFC/processEvent/?type=create
total=0
measure_after() {
  load_until "$url" "$1"
  echo "- RSS after $total requests: $(rss_mb "$demo") MB"
}
measure_after 10000
measure_after 50000
measure_after 100000
kill "$demo"
wait "$demo" 2> /dev/null || true
