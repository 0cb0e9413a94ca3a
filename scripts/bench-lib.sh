# Helpers shared by the HTTP bench scripts (sourced, not run). They expect
# `$work` (a scratch directory) and `$duration` (wrk's run length).

# Installs wrk from Debian's packages when it is missing.
ensure_wrk() {
  if ! command -v wrk > /dev/null; then
    apt-get update && apt-get install -y wrk
  fi
}

# Waits until $1 (a log file) contains $2 (at most 60 s); the servers print
# their address when they are ready.
wait_for() {
  for _ in $(seq 1 600); do
    grep -q "$2" "$1" 2> /dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:" >&2
  cat "$1" >&2
  exit 1
}

# The resident set of process $1, in MB.
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Runs wrk (on core 1) against $1 with $2 connections for $duration; prints
# "requests/s p50 p99 requests".
load() {
  taskset -c 1 wrk -t1 -c"$2" -d"$duration" --latency "$1" > "$work/wrk.out"
  awk '/Requests\/sec/ { rps = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 } /requests in/ { n = $1 } END { print rps, p50, p99, n }' "$work/wrk.out"
}

# Sends 1-second wrk bursts of 16 connections to $1 until $total (a global
# the caller starts at 0) reaches $2.
load_until() {
  while [ "$total" -lt "$2" ]; do
    taskset -c 1 wrk -t1 -c16 -d1s "$1" > "$work/wrk.out"
    total=$((total + $(awk '/requests in/ { print $1 }' "$work/wrk.out")))
  done
}
