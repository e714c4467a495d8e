#!/usr/bin/env bash
# Throughput of the server on each store, side by side in one run:
#   SQLite file, one server                     (the default store)
#   PostgreSQL, one server, direct
#   PostgreSQL, 1, 2 and 3 servers behind HAProxy (round-robin)
# For each: /emit with wrk (-t2 -c32); claim+record over raw HTTP (tests/postgres/
# claim_record_through: DRAIN messages emitted first, then 8 kept-alive connections each
# claiming one and recording it finished, no SDK); then the SDK draining DRAIN of the messages
# wrk emitted (tests/postgres/drain_through: one listener, the client's defaults, 8 handlers at
# once; a query, a claim and a record per message).
# Usage (from a build tree; needs wrk, haproxy and a PostgreSQL server):
#   tests/support/with_postgres.sh emulator/tools/bench_store.sh BUILD_DIR [duration=6s] [drain=2000]
# A throwaway cluster (fsync off: it measures the servers, not the disk). On a 2-core machine
# the servers, PostgreSQL, HAProxy and the clients share the cores: more servers add no CPU.
set -euo pipefail
build=$1 duration=${2:-6s} drain=${3:-2000}
: "${BUILDABLE_TEST_POSTGRES:?run under tests/support/with_postgres.sh}"
server="$build/emulator/buildable-emulator"
drainer="$build/tests/postgres/buildable_drain_through"
claimer="$build/tests/postgres/buildable_claim_record_through"
here=$(cd "$(dirname "$0")" && pwd)
secret=bench-secret
work=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT

# start_servers STORE N: N servers on STORE; sets $ports.
start_servers() {
  ports=()
  for i in $(seq 1 "$2"); do
    "$server" --store "$1" --port 0 --secret "bench=$secret" >"$work/server$i.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 500); do grep -q 'listening on' "$work/server$i.log" && break; sleep 0.01; done
    ports+=("$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/server$i.log")")
  done
}
# start_balancer: HAProxy round-robin over $ports; sets $base.
start_balancer() {
  local port=$((20000 + RANDOM % 30000)) i=0
  { printf 'global\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect 2s\n'
    printf '  timeout client 60s\n  timeout server 60s\nfrontend events\n'
    printf '  bind 127.0.0.1:%s\n  default_backend servers\nbackend servers\n' "$port"
    printf '  balance roundrobin\n  http-reuse always\n'
    for p in "${ports[@]}"; do i=$((i + 1)); printf '  server s%s 127.0.0.1:%s\n' "$i" "$p"; done
  } >"$work/haproxy.cfg"
  haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 500); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.01; done
  base="http://127.0.0.1:$port"
}
emit_rate() {
  wrk -t2 -c32 -d"$duration" -s "$here/wrk_emit.lua" "$base" -- "$secret" |
    awk '/Requests\/sec/ {print $2}'
}
# claim_record_rate: claim+record pairs per second over 8 raw connections.
claim_record_rate() {
  "$claimer" "$base" "$secret" bench.claim "raw-$RANDOM" "$drain" 8 2>>"$work/drain.log"
}
# drain_rate: the SDK handles $drain of the emitted messages; messages per second.
drain_rate() {
  "$drainer" "$base" "$secret" bench.emit "drain-$RANDOM" "$drain" 2>>"$work/drain.log"
}
fresh_postgres() {  # a new, empty database (in a subshell: its name must be unique)
  local name="bench_${RANDOM}_$RANDOM"
  psql "$BUILDABLE_TEST_POSTGRES" -qc "CREATE DATABASE $name" >/dev/null
  echo "${BUILDABLE_TEST_POSTGRES%/*}/$name"
}
measure() {  # measure LABEL
  local emits pairs drained
  emits=$(emit_rate)
  pairs=$(claim_record_rate)
  drained=$(drain_rate)
  printf '| %s | %s | %s | %s |\n' "$1" "$emits" "$pairs" "$drained"
  stop_all
}

echo "| setup | /emit req/s (wrk -t2 -c32 -d$duration) | claim+record pairs/s (raw HTTP, 8 connections) | SDK drain msg/s ($drain messages) |"
echo "|---|---|---|---|"
start_servers "$work/bench.db" 1; base="http://127.0.0.1:${ports[0]}"; measure "SQLite, 1 server"
start_servers "$(fresh_postgres)" 1; base="http://127.0.0.1:${ports[0]}"
measure "PostgreSQL, 1 server"
for n in 1 2 3; do
  start_servers "$(fresh_postgres)" "$n"; start_balancer; measure "PostgreSQL, $n behind HAProxy"
done
