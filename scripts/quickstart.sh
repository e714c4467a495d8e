#!/usr/bin/env bash
# Builds and runs the quickstart example. With neither BUILDABLE_SECRET_KEY nor
# BLD_EVENTS_BASE_URL set it runs against an embedded local emulator: no account needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
build_dir=${BUILDABLE_BUILD_DIR:-build}
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILDABLE_BUILD_TESTS=OFF \
    -DBUILDABLE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build_dir" --target quickstart
exec "$build_dir/examples/quickstart"
