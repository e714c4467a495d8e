#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite with ctest.
#   scripts/test.sh                      # g++, build-test/
#   scripts/test.sh --sanitize address   # clang, AddressSanitizer + UBSan, build-asan/
#   scripts/test.sh --sanitize thread    # clang, ThreadSanitizer, build-tsan/
#   scripts/test.sh --ci                 # all three, as .ci/run does
# Other arguments go to ctest (e.g. -R emit, -L integration).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
ci=0
ctest_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ci) ci=1; shift ;;
    --sanitize) sanitize=${2:?"--sanitize needs address or thread"}; shift 2 ;;
    --sanitize=*) sanitize=${1#--sanitize=}; shift ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done
if [[ $ci -eq 1 ]]; then
  "$0" "${ctest_args[@]}"
  "$0" --sanitize address "${ctest_args[@]}"
  exec "$0" --sanitize thread "${ctest_args[@]}"
fi

cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILDABLE_BUILD_TESTS=ON
            -DBUILDABLE_WARNINGS_AS_ERRORS=ON)
case "$sanitize" in
  "")
    scripts/install-deps.sh test
    build_dir=${BUILDABLE_BUILD_DIR:-build-test}
    ;;
  address|thread)
    scripts/install-deps.sh ci
    if [[ $sanitize == address ]]; then
      flags="-fsanitize=address,undefined -fno-sanitize-recover=all"
      build_dir=${BUILDABLE_BUILD_DIR:-build-asan}
      # Any finding fails the test that hit it; leaks are findings too.
      export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
      export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    else
      flags="-fsanitize=thread"
      build_dir=${BUILDABLE_BUILD_DIR:-build-tsan}
      # Suppressions cover uninstrumented libraries only (see the file).
      export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp"
    fi
    flags="$flags -fno-omit-frame-pointer -O1 -g"
    # The consumer tests build their own uninstrumented copies of the SDK and the benchmark is
    # not a test: both stay in the plain build.
    cmake_args+=(-DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS=$flags"
                 "-DCMAKE_EXE_LINKER_FLAGS=$flags" "-DCMAKE_SHARED_LINKER_FLAGS=$flags"
                 -DBUILDABLE_BUILD_BENCH=OFF
                 "-DBUILDABLE_TEST_DIRS=support;unit;core;integration;listen;faults;emulator;dashboard;fuzz;security;proxy")
    ;;
  *) echo "test.sh: --sanitize takes address or thread, not '$sanitize'" >&2; exit 2 ;;
esac

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
fi
cmake --build "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 300 "${ctest_args[@]}"
