#!/usr/bin/env bash
# Measures the emulator's /emit throughput with wrk on loopback (in-memory storage), next to
# /get-full-event-name (same HTTP + auth + JSON path, no SQLite) as the baseline of the same
# run, and the server's CPU time per request.
# Usage: emulator/tools/bench_emit.sh <buildable-emulator> [duration=8s] [connections=32]
# Pinning: the server on CPU 0, wrk on CPU 1 (set PIN=0 to disable). THREADS=N passes
# --threads N (default: the emulator's own default).
set -euo pipefail
binary=$1
duration=${2:-8s}
connections=${3:-32}
here=$(cd "$(dirname "$0")" && pwd)
pin_server=(); pin_client=()
if [[ ${PIN:-1} == 1 ]] && command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
  pin_server=(taskset -c 0); pin_client=(taskset -c 1)
fi
threads=(); [[ -n ${THREADS:-} ]] && threads=(--threads "$THREADS")
out=$(mktemp)
"${pin_server[@]}" "$binary" --port 0 --secret bench=bench-secret "${threads[@]}" >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out" "$out.lua"' EXIT
for _ in $(seq 1 500); do grep -q 'listening on' "$out" && break; sleep 0.01; done
base=$(grep -o 'http://[0-9.]*:[0-9]*' "$out" | head -1)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
run() {  # run <label> <lua script>
  local before after rps
  before=$(cpu_ticks)
  rps=$("${pin_client[@]}" wrk -t2 -c"$connections" -d"$duration" -s "$2" "$base" -- bench-secret |
        awk '/Requests\/sec/ {print $2}')
  after=$(cpu_ticks)
  local ticks=$((after - before)) hz
  hz=$(getconf CLK_TCK)
  local secs=${duration%s}
  awk -v l="$1" -v r="$rps" -v t="$ticks" -v hz="$hz" -v s="$secs" 'BEGIN {
    printf "%-22s %10.0f req/s   server CPU %5.1f us/request (%.0f%% of one core)\n",
           l, r, (t / hz) * 1e6 / (r * s), 100 * t / hz / s }'
}
sed -e 's#"/emit"#"/get-full-event-name"#' \
    -e "s#wrk.body = .*#wrk.body = '{\"eventName\":\"bench.emit\"}'#" "$here/wrk_emit.lua" >"$out.lua"
echo "wrk -t2 -c$connections -d$duration, server pinned: ${pin_server[*]:-no}"
run "/get-full-event-name" "$out.lua"
run "/emit (SQLite insert)" "$here/wrk_emit.lua"
run "/get-full-event-name" "$out.lua"
run "/emit (SQLite insert)" "$here/wrk_emit.lua"
