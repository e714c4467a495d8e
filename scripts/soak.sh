#!/usr/bin/env bash
# The bounded soak (not part of CI): emit ~200 messages/s and listen to them for 10 minutes
# (or SECONDS) against an emulator that injects faults into 5% of the requests (or SHARE),
# sampling RSS, open file descriptors and threads every 5 s. Prints the samples and a summary
# row (last vs first sample); the curve is in build-bench/soak-results.json under "soak".
#   scripts/soak.sh [SECONDS [SHARE]]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
share=${2:-0.05}
build_dir=${BUILDABLE_BENCH_BUILD_DIR:-build-bench}
exec bench/run.sh --only soak --soak "$seconds" --soak-faults "$share" \
  --json "$build_dir/soak-results.json" --chart "$build_dir/soak-chart.png"
