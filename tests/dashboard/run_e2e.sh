#!/usr/bin/env bash
# Runs the dashboard's end-to-end test (dashboard_e2e.mjs) with the system's Chromium.
# Usage: run_e2e.sh <dashboard_driver> <work dir>
# Installs playwright-core from the committed package-lock.json into <work dir> (npm ci, again
# only when the lock changed). Exits 77 (ctest: skipped) only when chromium or node/npm is
# missing; scripts/install-deps.sh (sets test and ci) installs them, so CI never skips.
set -euo pipefail
driver=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (scripts/install-deps.sh dashboard installs it)"
    exit 77
  fi
done
if [[ ! -x $chromium ]]; then
  echo "SKIP: no Chromium at $chromium (scripts/install-deps.sh dashboard installs it)"
  exit 77
fi

mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" ||
   [[ ! -f $work/node_modules/playwright-core/package.json ]]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi

export DASHBOARD_DRIVER=$driver DASHBOARD_NODE_DIR=$work CHROMIUM=$chromium
exec node --test --test-reporter=spec "$here/dashboard_e2e.mjs"
