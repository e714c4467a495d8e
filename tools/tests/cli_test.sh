#!/bin/sh
# End-to-end test of the buildable command-line tool: the real binary against a real emulator
# (`buildable emulator --port 0`), checking output and exit codes. Usage: cli_test.sh BUILDABLE
set -u

BLD=${1:?usage: cli_test.sh path/to/buildable}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/buildable-cli-test.XXXXXX")
EMULATOR_PID=
LISTEN_PID=
FAILURES=0

cleanup() {
  for pid in $LISTEN_PID $EMULATOR_PID; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# expect_code CODE DESCRIPTION COMMAND...: runs COMMAND, checks its exit status.
expect_code() {
  want=$1
  what=$2
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit $got, expected $want; stderr: $(cat "$WORK/err")"
  else
    echo "ok: $what (exit $got)"
  fi
}

# wait_for_line FILE PATTERN: waits up to 10 s for a line of FILE matching PATTERN.
wait_for_line() {
  i=0
  while ! grep -q -- "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then return 1; fi
    sleep 0.1
  done
}

# --- The emulator, in the background ------------------------------------------------------
"$BLD" emulator --port 0 >"$WORK/emulator.out" 2>&1 &
EMULATOR_PID=$!
if ! wait_for_line "$WORK/emulator.out" '^  export BUILDABLE_SECRET_KEY='; then
  echo "FAIL: the emulator did not start:" >&2
  cat "$WORK/emulator.out" >&2
  exit 1
fi
BLD_EVENTS_BASE_URL=$(sed -n 's/^  export BLD_EVENTS_BASE_URL=//p' "$WORK/emulator.out")
BUILDABLE_SECRET_KEY=$(sed -n 's/^  export BUILDABLE_SECRET_KEY=//p' "$WORK/emulator.out")
export BLD_EVENTS_BASE_URL BUILDABLE_SECRET_KEY
echo "emulator at $BLD_EVENTS_BASE_URL"

HEX32='[0-9a-f]\{32\}'

# --- emit: argument and stdin forms ---------------------------------------------------------
expect_code 0 "emit with a JSON argument" "$BLD" emit cli.test '{"n":1}'
KEY1=$(cat "$WORK/out")
echo "$KEY1" | grep -qx "$HEX32" || fail "emit printed '$KEY1', not a message key"

echo '{"n":2,"text":"from stdin"}' >"$WORK/payload.json"
expect_code 0 "emit --json with the payload on stdin" sh -c '"$1" emit --json cli.test - <"$2"' \
  sh "$BLD" "$WORK/payload.json"
KEY2=$(sed -n 's/^{"key":"\([0-9a-f]*\)","attempts":1}$/\1/p' "$WORK/out")
[ -n "$KEY2" ] || fail "emit --json printed '$(cat "$WORK/out")'"

# --- emit: payload nesting depth (511 levels at most, the payload object being level 1) ------
# nested LEVELS: an object payload {"a":{"a":...1}} with LEVELS objects.
nested() {
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "{\"a\":"; printf "1";
                         for (i = 0; i < n; i++) printf "}"; print "" }'
}
nested 200000 >"$WORK/deep.json"
# Refused while parsing, before any request: against a closed port a sent request would be
# exit 5 (connection refused), not 2.
expect_code 2 "emit of a payload 200,000 levels deep on stdin" \
  sh -c '"$1" --base-url http://127.0.0.1:1 emit cli.deep - <"$2"' sh "$BLD" "$WORK/deep.json"
grep -q 'deeper than 511 levels' "$WORK/err" || fail "deep payload: $(cat "$WORK/err")"
# Refused by the tool's own parser, before the configuration is even looked at (no secret:
# exit 3 had the SDK been asked).
expect_code 2 "emit of a payload 512 levels deep as an argument" \
  env BUILDABLE_SECRET_KEY= "$BLD" emit cli.deep "$(nested 512)"
nested 511 >"$WORK/limit.json"
expect_code 0 "emit of a payload exactly 511 levels deep (the emulator takes it too)" \
  sh -c '"$1" emit cli.deep - <"$2"' sh "$BLD" "$WORK/limit.json"

# --- listen: the two messages as JSON lines, oldest first -------------------------------------
expect_code 0 "listen --since all --count 2" \
  "$BLD" listen cli.test --since all --count 2 --timeout 10 --poll-interval 100
[ "$(wc -l <"$WORK/out")" -eq 2 ] || fail "listen printed $(wc -l <"$WORK/out") lines, not 2"
line1=$(sed -n 1p "$WORK/out")
line2=$(sed -n 2p "$WORK/out")
echo "$line1" | grep -qx "{\"key\":\"$KEY1\",\"event\":\"cli.test\",\"payload\":{\"n\":1},\"headers\":{},\"query\":{},\"createdAt\":[0-9]*,\"platform\":\"custom\",\"label\":\"demo\",\"environment\":\"test\"}" ||
  fail "unexpected first line: $line1"
echo "$line2" | grep -qx "{\"key\":\"$KEY2\",\"event\":\"cli.test\",\"payload\":{\"n\":2,\"text\":\"from stdin\"},.*\"platform\":\"custom\",\"label\":\"demo\",\"environment\":\"test\"}" ||
  fail "unexpected second line: $line2"

# Both were recorded as finished for txKey "default" (asked directly, when curl is there) ...
if command -v curl >/dev/null 2>&1; then
  finished=$(curl -s -X POST "$BLD_EVENTS_BASE_URL/query" -H 'Content-Type: application/json' \
    -H "X-Buildable-Secret: $BUILDABLE_SECRET_KEY" \
    -d '{"eventName":"cli.test","txKey":"default","since":0,"txState":"finished"}')
  echo "$finished" | grep -q '"total":2[,}]' || fail "not recorded as finished: $finished"
fi
# ... so a second listener with that txKey gets nothing and times out (124).
expect_code 124 "listen timeout once the messages are handled" \
  "$BLD" listen cli.test --since all --count 1 --timeout 0.5 --poll-interval 100
[ -s "$WORK/out" ] && fail "a handled message was printed again: $(cat "$WORK/out")"

# --count claims one message at a time: --count 1 leaves the other two claimable.
for n in 1 2 3; do "$BLD" emit cli.count "{\"n\":$n}" >/dev/null || fail "emit cli.count $n"; done
expect_code 0 "listen --count 1" "$BLD" listen cli.count --tx-key k --since all --count 1 \
  --timeout 10 --poll-interval 100
grep -q '"payload":{"n":1}' "$WORK/out" || fail "listen --count 1 printed $(cat "$WORK/out")"
expect_code 0 "listen --count 2 gets the rest" "$BLD" listen cli.count --tx-key k --since all \
  --count 2 --timeout 10 --poll-interval 100
[ "$(grep -c '"payload":{"n":[23]}' "$WORK/out")" -eq 2 ] ||
  fail "the second listen printed $(cat "$WORK/out")"

# SIGTERM: graceful stop, exit 130, the message already printed.
"$BLD" listen cli.signal --since all --poll-interval 100 >"$WORK/listen.out" 2>&1 &
LISTEN_PID=$!
"$BLD" emit cli.signal '{"n":1}' >/dev/null || fail "emit cli.signal"
if wait_for_line "$WORK/listen.out" '"event":"cli.signal"'; then
  kill -TERM "$LISTEN_PID"
  wait "$LISTEN_PID"
  code=$?
  [ "$code" -eq 130 ] && echo "ok: listen stopped by SIGTERM (exit 130)" ||
    fail "listen stopped by SIGTERM exited $code, expected 130"
else
  fail "the background listener printed nothing: $(cat "$WORK/listen.out")"
fi
LISTEN_PID=

# --- exit codes -------------------------------------------------------------------------------
expect_code 3 "missing secret" env BUILDABLE_SECRET_KEY= "$BLD" emit cli.test
expect_code 3 "unusable base URL" "$BLD" --base-url ftp://example.com emit cli.test
expect_code 3 "missing CA bundle" env BUILDABLE_CA_BUNDLE="$WORK/no-such-ca.pem" \
  "$BLD" emit cli.test
grep -q 'BUILDABLE_CA_BUNDLE' "$WORK/err" || fail "the CA bundle error: $(cat "$WORK/err")"
expect_code 2 "invalid JSON payload" "$BLD" emit cli.test '{"n":'
expect_code 2 "payload not an object" "$BLD" emit cli.test '[1,2]'
expect_code 2 "unknown option" "$BLD" emit --bogus cli.test
expect_code 2 "bad --since" "$BLD" listen cli.test --since yesterday
expect_code 4 "unknown secret (HTTP 401)" "$BLD" emit --secret not-a-key cli.test
grep -q 401 "$WORK/err" || fail "the 401 is not reported: $(cat "$WORK/err")"
expect_code 5 "connection refused" "$BLD" --base-url http://127.0.0.1:1 emit cli.test
expect_code 0 "--help" "$BLD" --help
grep -q '^  124 ' "$WORK/out" || fail "--help does not document the exit codes"
expect_code 0 "emit --help" "$BLD" emit --help
expect_code 0 "--version" "$BLD" --version

# --- the emulator stops on SIGTERM with exit 0 ----------------------------------------------
kill -TERM "$EMULATOR_PID"
wait "$EMULATOR_PID"
code=$?
EMULATOR_PID=
[ "$code" -eq 0 ] && echo "ok: emulator stopped by SIGTERM (exit 0)" ||
  fail "the emulator exited $code on SIGTERM"

if [ "$FAILURES" -ne 0 ]; then
  echo "$FAILURES check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
