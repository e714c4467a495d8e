#!/usr/bin/env bash
# Runs the real buildable-emulator binary and the README's seed curl example against it, then
# stops it with SIGTERM and checks a clean exit. Usage: seed_curl_test.sh <buildable-emulator>
set -euo pipefail
binary=$1
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

"$binary" --port 0 --secret demo=seed-secret >"$out" 2>&1 &
pid=$!
for _ in $(seq 1 500); do
  grep -q 'listening on' "$out" && break
  kill -0 "$pid" 2>/dev/null || { cat "$out"; echo "emulator exited early"; exit 1; }
  sleep 0.01
done
base=$(grep -o 'http://[0-9.]*:[0-9]*' "$out" | head -1)
[[ -n "$base" ]] || { cat "$out"; echo "no URL printed"; exit 1; }

reply=$(curl -sS -X POST "$base/emit" -H 'Content-Type: application/json' \
  -H 'X-Buildable-Secret: seed-secret' \
  -d '{"event":"my-first-event","payload":{"salutation":"Hello World!"}}')
echo "emit: $reply"
[[ "$reply" =~ \"key\":\"[0-9a-f]{32}\" ]] || { echo "no key in reply"; exit 1; }
[[ "$reply" == *'"status":"success"'* ]] || { echo "no success"; exit 1; }

rows=$(curl -sS -X POST "$base/query" -H 'Content-Type: application/json' \
  -H 'x-buildable-secret: seed-secret' \
  -d '{"eventName":"my-first-event","txKey":"curl","since":0}')
echo "query: $rows"
[[ "$rows" == *'Hello World!'* && "$rows" == *'"total":1'* ]] || { echo "message not listed"; exit 1; }

status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/emit" \
  -H 'Content-Type: application/json' -d '{"event":"e","payload":{}}')
[[ "$status" == 401 ]] || { echo "expected 401 without a secret, got $status"; exit 1; }

# The printed "try:" line is a working command too.
try_cmd=$(sed -n 's/^  try: //p' "$out")
eval "$try_cmd" | grep -q '"status":"success"' || { echo "printed curl line failed"; exit 1; }

kill -TERM "$pid"
wait "$pid"
code=$?
[[ $code == 0 ]] || { echo "exit code $code after SIGTERM"; exit 1; }
echo "ok"
