# Shared by the CLI's end-to-end tests (sourced, POSIX sh): a scratch directory, background
# processes stopped on exit, checks that count failures, waits on conditions with deadlines,
# a `buildable emulator --port 0` to test against, and the emulator's view of transactions.
# The sourcing script sets BLD (the buildable binary) first and calls finish at the end.

WORK=$(mktemp -d "${TMPDIR:-/tmp}/buildable-cli-test.XXXXXX")
BACKGROUND_PIDS=
FAILURES=0

cleanup() {
  for pid in $BACKGROUND_PIDS; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The tool must not pick up a developer's real service, CA or proxy settings.
unset BUILDABLE_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE BUILDABLE_PROXY
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# background PID: stops PID (TERM) when the script exits.
background() {
  BACKGROUND_PIDS="$BACKGROUND_PIDS $1"
}

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

ok() {
  echo "ok: $*"
}

# expect_code CODE DESCRIPTION COMMAND...: runs COMMAND (stdout in $WORK/out, stderr in
# $WORK/err), checks its exit status.
expect_code() {
  want=$1
  what=$2
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit $got, expected $want; stderr: $(cat "$WORK/err")"
  else
    ok "$what (exit $got)"
  fi
}

# expect_err PATTERN DESCRIPTION: $WORK/err (the last expect_code's stderr) matches PATTERN.
expect_err() {
  grep -q -- "$1" "$WORK/err" || fail "$2: stderr does not match '$1': $(cat "$WORK/err")"
}

# wait_until SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds; false when it
# has not within SECONDS.
wait_until() {
  limit=$(($1 * 20))
  shift
  n=0
  until "$@"; do
    n=$((n + 1))
    [ "$n" -gt "$limit" ] && return 1
    sleep 0.05
  done
}

# wait_for_line FILE PATTERN: waits up to 10 s for a line of FILE matching PATTERN.
wait_for_line() {
  wait_until 10 grep -q -- "$2" "$1" 2>/dev/null
}

# exited PID: true once PID is no longer running.
exited() {
  ! kill -0 "$1" 2>/dev/null
}

# start_emulator: `buildable emulator --port 0` in the background; exports
# BLD_EVENTS_BASE_URL and BUILDABLE_SECRET_KEY from the banner's export lines.
start_emulator() {
  "$BLD" emulator --port 0 >"$WORK/emulator.out" 2>&1 &
  EMULATOR_PID=$!
  background "$EMULATOR_PID"
  if ! wait_for_line "$WORK/emulator.out" '^  export BUILDABLE_SECRET_KEY='; then
    echo "FAIL: the emulator did not start:" >&2
    cat "$WORK/emulator.out" >&2
    exit 1
  fi
  BLD_EVENTS_BASE_URL=$(sed -n 's/^  export BLD_EVENTS_BASE_URL=//p' "$WORK/emulator.out")
  BUILDABLE_SECRET_KEY=$(sed -n 's/^  export BUILDABLE_SECRET_KEY=//p' "$WORK/emulator.out")
  export BLD_EVENTS_BASE_URL BUILDABLE_SECRET_KEY
  echo "emulator at $BLD_EVENTS_BASE_URL"
}

# query EVENT TXKEY TXSTATE: the emulator's /query answer (up to 100 messages) for the
# messages of EVENT whose transaction for TXKEY is in TXSTATE (does-not-exist: unclaimed).
query() {
  curl -s -X POST "$BLD_EVENTS_BASE_URL/query" -H 'Content-Type: application/json' \
    -H "X-Buildable-Secret: $BUILDABLE_SECRET_KEY" \
    -d "{\"eventName\":\"$1\",\"txKey\":\"$2\",\"since\":0,\"txState\":\"$3\",\"pageSize\":100}"
}

# tx_count EVENT TXKEY TXSTATE: how many messages query finds.
tx_count() {
  query "$@" | sed -n 's/.*"total":\([0-9]*\).*/\1/p'
}

# tx_keys EVENT TXKEY TXSTATE: their keys, one per line, sorted.
tx_keys() {
  query "$@" | grep -o '"key":"[0-9a-f]*"' | sed 's/"key":"\(.*\)"/\1/' | sort
}

# tx_count_is N EVENT TXKEY TXSTATE: for wait_until.
tx_count_is() {
  want=$1
  shift
  [ "$(tx_count "$@")" = "$want" ]
}

# printed_keys FILE: the keys of the JSON lines `listen` printed to FILE, sorted.
printed_keys() {
  sed -n 's/^{"key":"\([0-9a-f]*\)".*/\1/p' "$1" | sort
}

# signal_stops_listen SIGNAL EVENT: a background `listen EVENT` (of this non-interactive
# shell) that has printed one message stops gracefully on SIGNAL (TERM, INT) with exit 130.
signal_stops_listen() {
  "$BLD" listen "$2" --since all --poll-interval 100 >"$WORK/$2.out" 2>&1 &
  listen_pid=$!
  background "$listen_pid"
  "$BLD" emit "$2" '{"n":1}' >/dev/null || fail "emit $2"
  if wait_for_line "$WORK/$2.out" "\"event\":\"$2\""; then
    kill "-$1" "$listen_pid"
    wait "$listen_pid"
    code=$?
    [ "$code" -eq 130 ] && ok "listen stopped by SIG$1 (exit 130)" ||
      fail "listen stopped by SIG$1 exited $code, expected 130"
  else
    fail "the background listener printed nothing: $(cat "$WORK/$2.out")"
  fi
}

finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
