#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite with ctest.
# Extra arguments go to ctest (e.g. -R emit).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
build_dir=${BUILDABLE_BUILD_DIR:-build-test}
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBUILDABLE_BUILD_TESTS=ON -DBUILDABLE_WARNINGS_AS_ERRORS=ON >/dev/null
fi
cmake --build "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 300 "$@"
