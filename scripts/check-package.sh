#!/usr/bin/env bash
# Starts one packaged WebAssembly function the way FC's custom runtime does
# and invokes it once: the function's folder copied alone into an empty
# directory, its `bootstrap` run with a bare environment (FC's variables
# only, FC_SERVER_PORT=0 for a free port), one `POST /invoke`. Checks that
# the packaged fclocal is statically linked, that the answer is the
# function's, and that stdout holds FC's framing for the request.
#
# Usage: scripts/check-package.sh PACKAGE_DIR SERVICE/FUNCTION
# (the demo's marblesFC/hello answers {"name":"fc"} with "Hello, fc!").
set -euo pipefail
package=${1:?usage: check-package.sh PACKAGE_DIR SERVICE/FUNCTION}
function=${2:?usage: check-package.sh PACKAGE_DIR SERVICE/FUNCTION}
command -v curl > /dev/null || { echo "curl is missing: apt-get install curl" >&2; exit 1; }

code=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2> /dev/null || true; fi
  rm -rf "$code" "$code.err" "$code.stdout" "$code.stderr" "$code.headers"
}
trap cleanup EXIT
cp -a "$package/$function/." "$code/"

# A dynamic executable lists the libraries it loads ("libc.so.6 => ...").
if ldd "$code/fclocal" 2>&1 | grep -q '=>'; then
  echo "check-package: $function/fclocal is dynamically linked; FC's custom runtime needs a static one" >&2
  ldd "$code/fclocal" >&2 || true
  exit 1
fi

# stderr through a pipe: the listening line is read as it is written.
mkfifo "$code.err"
(cd "$code" && exec env -i PATH=/usr/bin:/bin HOME=/tmp FC_SERVER_PORT=0 \
  FC_FUNCTION_NAME="${function#*/}" FC_SERVICE_NAME="${function%%/*}" FC_REGION=cn-hangzhou \
  FC_FUNC_CODE_PATH="$code" ./bootstrap > "$code.stdout" 2> "$code.err") &
pid=$!
exec 3< "$code.err"
address=""
while IFS= read -r -t 120 line <&3; do
  echo "$line" >> "$code.stderr"
  case $line in
    *"listening on "*) address=${line##*listening on }; break ;;
  esac
done
cat <&3 >> "$code.stderr" &
if [ -z "$address" ]; then
  echo "check-package: bootstrap did not start listening:" >&2
  cat "$code.stderr" >&2
  exit 1
fi
port=${address##*:}
request_id=check-package-1
answer=$(curl -s -S -X POST "http://127.0.0.1:$port/invoke" \
  -H "x-fc-request-id: $request_id" -H "x-fc-function-name: ${function#*/}" \
  -H "x-fc-function-memory: 128" -H "x-fc-function-timeout: 10" \
  -H 'content-type: application/octet-stream' --data '{"name":"fc"}' \
  -D "$code.headers")
kill "$pid"
wait "$pid" 2> /dev/null || true
pid=""

status=$(head -1 "$code.headers" | cut -d' ' -f2)
if [ "$status" != 200 ] || [ "$answer" != "Hello, fc!" ]; then
  echo "check-package: expected 200 \"Hello, fc!\", got $status \"$answer\"" >&2
  cat "$code.stderr" >&2
  exit 1
fi
for frame in "FC Invoke Start RequestId: $request_id" "FC Invoke End RequestId: $request_id"; do
  if ! grep -qF "$frame" "$code.stdout"; then
    echo "check-package: stdout lacks \"$frame\":" >&2
    cat "$code.stdout" >&2
    exit 1
  fi
done
echo "check-package: $function started from its bootstrap (static fclocal, $(du -h "$code/fclocal" | cut -f1)) and answered \"$answer\""
