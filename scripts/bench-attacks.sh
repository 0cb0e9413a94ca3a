#!/usr/bin/env bash
# The server's memory before and after each attack of issue 11, on the demo
# (`fclocal start` with the repository's template.yml: Marbles, ledger,
# Node.js and Python functions): runaway queries, a websocket client that
# floods without reading, and 15,000 half-open connections. After each
# attack the server must still answer /fclocal/health, and its RSS (after a
# 12 s settle: jemalloc purges pages unused for 10 s) should be within 20 %
# of before. The server runs with --idle-timeout 5s: every websocket message
# is also an event for the Node.js `processEvent` function (Marbles scenario
# 1), so a flood legitimately scales that function out to 16 warm instances
# (~6 MB each), which FC-style would stay for the default 5 minutes. The noisy-neighbour attack has its own script
# (scripts/bench-neighbours.sh), since it also measures throughput.
#
# Usage: scripts/bench-attacks.sh
# Needs: curl and python3 (Debian's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${FCLOCAL_BIN:-$root/target/release/fclocal}
[ -n "${FCLOCAL_BIN:-}" ] || cargo build --release --quiet
cargo build --release --quiet --example ws_flood
flood=$root/target/release/examples/ws_flood

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

data=$work/data
"$bin" build -t "$root/template.yml" --data-dir "$data" > /dev/null 2>&1
# Room for the half-open connections: the cap (--max-connections) is what
# must hold, not the shell's default descriptor limit.
ulimit -n 65536 2> /dev/null || true
"$bin" start -t "$root/template.yml" --data-dir "$data" --port 0 --no-watch --idle-timeout 5s \
  > "$work/demo.log" 2> "$work/demo.err" &
pids+=($!)
server=$!
wait_for "$work/demo.log" "listening on port"
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/demo.log" | head -1)
address=${base#http://}

healthy() {
  local started ended
  started=$(date +%s%N)
  curl -sf -m 5 -o /dev/null "$base/fclocal/health" || { echo "NOT HEALTHY"; return; }
  ended=$(date +%s%N)
  echo "healthy ($(((ended - started) / 1000000)) ms)"
}

echo "# RSS of fclocal start (demo) before and after each attack ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| attack | RSS before | RSS after (12 s settle) | after / before | server after |"
echo "|---|---|---|---|---|"

report() {
  local name=$1 before=$2
  sleep 12
  local after
  after=$(rss_mb "$server")
  echo "| $name | $before MB | $after MB | $(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a / b }') | $(healthy) |"
}

# 1. Runaway queries: a huge value, a triple self-join stopped by its
# budget, and a 3,000-term `or` that used to overflow the stack.
before=$(rss_mb "$server")
query() { curl -s -m 60 -o /dev/null -w '%{http_code}' -G "$base/logstores/test-log-store" \
  --data-urlencode type=log --data-urlencode from=0 --data-urlencode to=4102444800 \
  --data-urlencode "query=$1" -H 'x-log-project: test-log-project' -H 'x-log-apiversion: 0.6.0'; }
query '* | select length(randomblob(1000000000))' > /dev/null
timeout 5 curl -s -o /dev/null -G "$base/logstores/test-log-store" --data-urlencode type=log \
  --data-urlencode from=0 --data-urlencode to=4102444800 -H 'x-log-project: test-log-project' \
  --data-urlencode 'query=* | select count(*) from log a, log b, log c' || true
query "$(python3 -c "print(' or '.join(['a'] * 3000))")" > /dev/null
report "runaway and crash queries" "$before"

# 2. A websocket client sending 100,000 read_everything without reading.
before=$(rss_mb "$server")
"$flood" "$address" 100000 > "$work/flood.out" 2>&1 || true
report "websocket flood (100k read_everything, not reading)" "$before"

# 3. Slowloris: 15,000 connections that never finish their headers.
before=$(rss_mb "$server")
python3 - "$address" << 'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for _ in range(15000):
    try:
        s = socket.create_connection((host, int(port)), timeout=5)
        s.send(b"GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(s)
    except OSError:
        break
time.sleep(2)
for s in socks:
    s.close()
print(f"opened {len(socks)} half-open connections", file=sys.stderr)
EOF
report "slowloris (15,000 half-open connections)" "$before"
