#!/usr/bin/env bash
# Installs the Debian packages this project needs, only those missing (idempotent, fast when
# everything is there). Usage: scripts/install-deps.sh [build|test|ci|bench|dashboard]...
#   build: compiler, CMake, Ninja and the libraries the SDK and emulator link (libpq included)
#   test:  build + GoogleTest, Doxygen and spdlog (docs target, logging example), and the bench
#          tools (the suite runs the benchmark's smoke mode), and the dashboard set
#   ci:    test + clang and its sanitizer runtimes
#   bench: build + wrk and gnuplot
#   dashboard: Chromium and Node.js with npm, for the emulator dashboard's end-to-end test
#          (tests/dashboard; node and npm only when no `node`/`npm` is on PATH, so a Node.js
#          installed otherwise, e.g. from NodeSource, is kept)
set -euo pipefail

# libpq-dev: the emulator's PostgreSQL store (libpq), named by buildable-emulator.pc and the
# static emulator's CMake package.
build_pkgs=(g++ cmake ninja-build pkg-config libcurl4-openssl-dev nlohmann-json3-dev
            libcpp-httplib-dev libboost-dev libsqlite3-dev libpq-dev libssl-dev ca-certificates)
# curl and openssl: the CLI's end-to-end tests (tools/tests) query the emulator and make a
# private CA with them.
# postgresql and haproxy: the PostgreSQL store's conformance run and the multi-instance test
# (a throwaway cluster and a round-robin balancer, started by the tests themselves).
test_pkgs=(libgtest-dev libgmock-dev doxygen libspdlog-dev wrk gnuplot-nox tinyproxy curl openssl
           postgresql haproxy)
ci_pkgs=(clang libclang-rt-14-dev clang-format)
bench_pkgs=(wrk gnuplot-nox)
dashboard_pkgs=(chromium)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  dashboard_pkgs+=(nodejs npm)
fi

wanted=()
for set in "${@:-build}"; do
  case "$set" in
    build) wanted+=("${build_pkgs[@]}") ;;
    test) wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${dashboard_pkgs[@]}") ;;
    ci) wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${dashboard_pkgs[@]}" "${ci_pkgs[@]}") ;;
    bench) wanted+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
    dashboard) wanted+=("${dashboard_pkgs[@]}") ;;
    *) echo "install-deps.sh: unknown set '$set' (build, test, ci, bench, dashboard)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
