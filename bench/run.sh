#!/usr/bin/env bash
# Builds and runs buildable-bench: the SDK beside the raw libcurl floor and the wrk ceiling,
# in one run, with a table on stdout, a JSON file and a PNG chart (see bench/README.md).
# Arguments go to buildable-bench, e.g.:
#   bench/run.sh                         # everything, 5 repetitions (~6 minutes)
#   bench/run.sh --only emit,concurrent  # some sections
#   bench/run.sh --smoke                 # seconds: checks that it all still runs
#   bench/run.sh --soak 600              # also a 10-minute soak
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
build_dir=${BUILDABLE_BENCH_BUILD_DIR:-build-bench}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILDABLE_BUILD_BENCH=ON -DBUILDABLE_BUILD_EMULATOR=ON \
    -DBUILDABLE_BUILD_TESTS=OFF -DBUILDABLE_BUILD_EXAMPLES=OFF -DBUILDABLE_BUILD_TOOLS=OFF \
    >/dev/null
fi
cmake --build "$build_dir" --target buildable-bench
exec "$build_dir/bench/buildable-bench" "$@"
