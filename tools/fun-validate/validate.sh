#!/usr/bin/env bash
# Checks templates with fun's own validator (`fun validate`), installed from
# npm at the version pinned by package-lock.json. Usage: validate.sh FILE...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$here/node_modules/.bin/fun" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
status=0
for template in "$@"; do
  if "$here/node_modules/.bin/fun" validate -t "$template" > /dev/null 2>"$here/.last-error"; then
    echo "fun validate: $template is valid"
  else
    echo "fun validate: $template is NOT valid for fun 3.6.24:" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$here/.last-error" >&2
    status=1
  fi
done
rm -f "$here/.last-error"
exit $status
