#!/bin/sh
# Graceful shutdown of the listener_service example: start it without --exit-after, wait until
# it is ready, send SIGTERM, and require exit 0 after its "stopped cleanly" line.
# Usage: listener_service_sigterm.sh path/to/listener_service
set -u
SERVICE=${1:?usage: listener_service_sigterm.sh path/to/listener_service}
OUT=$(mktemp "${TMPDIR:-/tmp}/listener-service.XXXXXX")
PID=
cleanup() {
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
  rm -f "$OUT"
}
trap cleanup EXIT

"$SERVICE" >"$OUT" 2>&1 &
PID=$!
i=0
# Ready, and the three demo orders it emits to its embedded emulator handled.
until grep -q 'listener service ready' "$OUT" && [ "$(grep -c '^order ' "$OUT")" -ge 3 ]; do
  i=$((i + 1))
  if [ "$i" -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
    echo "FAIL: the service did not become ready:" >&2
    cat "$OUT" >&2
    exit 1
  fi
  sleep 0.1
done

kill -TERM "$PID"
wait "$PID"
code=$?
PID=
cat "$OUT"
if [ "$code" -ne 0 ]; then
  echo "FAIL: exit $code after SIGTERM, expected 0" >&2
  exit 1
fi
grep -q 'received SIGTERM, shutting down' "$OUT" &&
  grep -q 'stopped cleanly after 3 messages' "$OUT" || {
  echo "FAIL: the graceful shutdown path did not run" >&2
  exit 1
}
echo "ok: graceful shutdown on SIGTERM, exit 0"
