#!/usr/bin/env bash
# Noisy neighbours: `hello-http` throughput and p99 alone, then beside two
# clients calling a function that busy-loops until its 2-second timeout and
# one client calling a function that floods its log, in the same run.
# Goal (issue 11): >= 0.5x the requests/s alone, p99 <= 10x alone; RSS after
# the attack within 20 % of before it.
#
# Usage: scripts/bench-neighbours.sh      (DURATION=10s CONNECTIONS=16 by default)
# Needs: wrk and curl (installed from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-10s}
connections=${CONNECTIONS:-16}

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
ensure_wrk
command -v curl > /dev/null || { apt-get update && apt-get install -y curl; }
[ -n "${FCLOCAL_BIN:-}" ] || cargo build --release --quiet
(cd functions && cargo build --release --quiet -p hello-http -p hostile-http)
guests=$root/target/guests/wasm32-wasip2/release

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/hello" "$work/hostile"
cp "$guests/hello_http.wasm" "$work/hello/hello-http.wasm"
cp "$guests/hostile_http.wasm" "$work/hostile/hostile-http.wasm"
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
        CodeUri: ./hello
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    busy:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile-http.wasm
        Runtime: custom
        CodeUri: ./hostile
        Timeout: 2
        InstanceConcurrency: 1
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
EOF

"${FCLOCAL_BIN:-$root/target/release/fclocal}" start -t "$work/template.yml" --port 0 --no-watch \
  > "$work/fclocal.log" 2> "$work/fclocal.err" &
pids+=($!)
fclocal=$!
wait_for "$work/fclocal.log" "listening on port"
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/fclocal.log" | head -1)
hello="$base/2016-08-15/proxy/bench/hello/"
busy="$base/2016-08-15/proxy/bench/busy"

# Calls $1 in a loop until killed.
neighbour() {
  while true; do curl -s -o /dev/null "$1" || true; done
}

curl -s -o /dev/null "$hello"
load "$hello" "$connections" > /dev/null # warm-up
rss_before=$(rss_mb "$fclocal")
read -r alone_rps _ alone_p99 _ < <(load "$hello" "$connections")

neighbour "$busy/loop" & pids+=($!); n1=$!
neighbour "$busy/loop" & pids+=($!); n2=$!
neighbour "$busy/flood?lines=100000" & pids+=($!); n3=$!
read -r beside_rps _ beside_p99 _ < <(load "$hello" "$connections")
kill "$n1" "$n2" "$n3" 2> /dev/null || true
wait "$n1" "$n2" "$n3" 2> /dev/null || true
# Let the last calls finish (each busy call ends at its 2 s timeout) and the
# allocator return what they used (jemalloc purges pages unused for 10 s).
sleep 12
rss_after=$(rss_mb "$fclocal")

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
a99=$(to_ms "$alone_p99")
b99=$(to_ms "$beside_p99")

echo "# hello-http beside two busy-loop clients and one log flooder ($(nproc) cores, $connections connections, $duration per run, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| hello-http | requests/s | p99 |"
echo "|---|---|---|"
echo "| alone | $alone_rps | ${a99} ms |"
echo "| beside the neighbours | $beside_rps | ${b99} ms |"
echo
awk -v a="$alone_rps" -v b="$beside_rps" -v pa="$a99" -v pb="$b99" \
  'BEGIN { printf "throughput ratio: %.2fx (goal >= 0.5x); p99 ratio: %.1fx (goal <= 10x)\n", b / a, pb / pa }'
echo "RSS before the neighbours: ${rss_before} MB; after: ${rss_after} MB (goal: within 20 %)"
echo "log lines dropped over the cap (from the server's log):"
"${FCLOCAL_BIN:-$root/target/release/fclocal}" logs -t "$work/template.yml" --json -q \
  "functionName: busy and level: WARN and dropped | select count(*) as invocations_with_drops" || true
