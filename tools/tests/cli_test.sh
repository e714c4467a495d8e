#!/bin/sh
# End-to-end test of the buildable command-line tool: the real binary against a real emulator
# (`buildable emulator --port 0`), checking output, exit codes and messages.
# Usage: cli_test.sh BUILDABLE
set -u
BLD=${1:?usage: cli_test.sh path/to/buildable}
. "$(dirname "$0")/cli_lib.sh"

start_emulator
HEX32='[0-9a-f]\{32\}'

# --- emit: argument, stdin and @file forms ----------------------------------------------------
expect_code 0 "emit with a JSON argument" "$BLD" emit cli.test '{"n":1}'
KEY1=$(cat "$WORK/out")
echo "$KEY1" | grep -qx "$HEX32" || fail "emit printed '$KEY1', not a message key"

echo '{"n":2,"text":"from stdin"}' >"$WORK/payload.json"
expect_code 0 "emit --json with the payload on stdin" sh -c '"$1" emit --json cli.test - <"$2"' \
  sh "$BLD" "$WORK/payload.json"
KEY2=$(sed -n 's/^{"key":"\([0-9a-f]*\)","attempts":1}$/\1/p' "$WORK/out")
[ -n "$KEY2" ] || fail "emit --json printed '$(cat "$WORK/out")'"

echo '{"n":3,"from":"file"}' >"$WORK/file.json"
expect_code 0 "emit with an @file payload" "$BLD" emit cli.file "@$WORK/file.json"
expect_code 0 "emit with @- (standard input)" sh -c 'echo "{\"n\":4}" | "$1" emit cli.file @-' \
  sh "$BLD"
expect_code 0 "listen shows the @file and @- payloads" "$BLD" listen cli.file --since all \
  --count 2 --timeout 10 --poll-interval 100
grep -q '"payload":{"from":"file","n":3}' "$WORK/out" || fail "@file payload: $(cat "$WORK/out")"
grep -q '"payload":{"n":4}' "$WORK/out" || fail "@- payload: $(cat "$WORK/out")"
expect_code 2 "emit with an @file that does not exist" "$BLD" emit cli.file "@$WORK/none.json"
expect_err "cannot read the payload file '$WORK/none.json': No such file or directory" "@missing"
echo '[1]' >"$WORK/array.json"
# A payload just under 1 MiB whose request body is over it: refused by the SDK, before sending.
awk 'BEGIN { printf "{\"a\":\""; for (i = 0; i < 1048560; i++) printf "x"; print "\"}" }' \
  >"$WORK/big.json"
expect_code 2 "emit of a payload over the 1 MiB body limit" "$BLD" emit cli.file "@$WORK/big.json"
expect_err '^buildable emit: the request body is [0-9]* bytes, over the limit of 1048576$' \
  "the size limit in the tool's words"
# A longer one is refused while reading, and reading stops there: endless input ends too.
awk 'BEGIN { printf "{\"a\":\""; for (i = 0; i < 1100000; i++) printf "x"; print "\"}" }' \
  >"$WORK/bigger.json"
expect_code 2 "emit of a payload file over 1 MiB" "$BLD" emit cli.file "@$WORK/bigger.json"
expect_err "^buildable emit: the payload in '$WORK/bigger.json' is larger than 1048576 bytes" \
  "the read limit in the tool's words"
# bounded COMMAND...: COMMAND with 2 GB of address space and 20 s at most (a tool that kept
# reading would otherwise take the machine's memory); exit 124 on timeout. A sanitizer's
# runtime reserves terabytes of address space, so there the time limit alone bounds it.
if grep -aq -e __asan_init -e __tsan_init "$BLD"; then
  bounded() {
    timeout 5 "$@"
  }
else
  bounded() {
    (ulimit -v 2000000 2>/dev/null; exec timeout 20 "$@")
  }
fi
bounded_from_zero() {
  bounded "$@" </dev/zero
}
expect_code 2 "emit @/dev/zero (endless) stops reading" bounded "$BLD" emit p5 @/dev/zero
expect_err "is larger than 1048576 bytes" "emit @/dev/zero"
expect_code 2 "emit @/dev/urandom stops reading" bounded "$BLD" emit p5 @/dev/urandom
expect_code 2 "emit - with endless standard input stops reading" \
  bounded_from_zero "$BLD" emit p5 -
expect_err "the payload read from standard input is larger than 1048576 bytes" "emit - </dev/zero"
expect_code 2 "resolve --output @/dev/zero stops reading" \
  bounded "$BLD" resolve p5 k --failed --output @/dev/zero
expect_code 2 "emit with an @file that is not an object" "$BLD" emit cli.file "@$WORK/array.json"

# --- emit: payload nesting depth (511 levels at most, the payload object being level 1) ------
# nested LEVELS: an object payload {"a":{"a":...1}} with LEVELS objects.
nested() {
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "{\"a\":"; printf "1";
                         for (i = 0; i < n; i++) printf "}"; print "" }'
}
nested 150000 >"$WORK/deep.json"  # under the 1 MiB read limit
# Refused while parsing, before any request: against a closed port a sent request would be
# exit 5 (connection refused), not 2.
expect_code 2 "emit of a payload 150,000 levels deep on stdin" \
  sh -c '"$1" --base-url http://127.0.0.1:1 emit cli.deep - <"$2"' sh "$BLD" "$WORK/deep.json"
expect_err 'deeper than 511 levels' "deep payload"
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

# Both were recorded as finished for txKey "default" ...
[ "$(tx_count cli.test default finished)" = 2 ] || fail "not recorded as finished"
# ... so a second listener with that txKey gets nothing and times out (124).
expect_code 124 "listen timeout once the messages are handled" \
  "$BLD" listen cli.test --since all --count 1 --timeout 0.5 --poll-interval 100
[ -s "$WORK/out" ] && fail "a handled message was printed again: $(cat "$WORK/out")"

# listen claims one message at a time: --count 1 leaves the other two claimable.
for n in 1 2 3; do "$BLD" emit cli.count "{\"n\":$n}" >/dev/null || fail "emit cli.count $n"; done
expect_code 0 "listen --count 1" "$BLD" listen cli.count --tx-key k --since all --count 1 \
  --timeout 10 --poll-interval 100
grep -q '"payload":{"n":1}' "$WORK/out" || fail "listen --count 1 printed $(cat "$WORK/out")"
[ "$(tx_count cli.count k processing)" = 0 ] || fail "listen --count 1 left a message processing"
expect_code 0 "listen --count 2 gets the rest" "$BLD" listen cli.count --tx-key k --since all \
  --count 2 --timeout 10 --poll-interval 100
[ "$(grep -c '"payload":{"n":[23]}' "$WORK/out")" -eq 2 ] ||
  fail "the second listen printed $(cat "$WORK/out")"
# ... and so does a listen stopped by --timeout, --count or not.
for n in 1 2 3; do "$BLD" emit cli.few "{\"n\":$n}" >/dev/null || fail "emit cli.few $n"; done
expect_code 124 "listen --timeout" "$BLD" listen cli.few --tx-key t --since all --timeout 1 \
  --poll-interval 100
[ "$(tx_count cli.few t finished)" = 3 ] || fail "listen --timeout: not all finished"
[ "$(tx_count cli.few t processing)" = 0 ] || fail "listen --timeout left a message processing"

# SIGTERM: graceful stop, exit 130, the message already printed.
signal_stops_listen TERM cli.signal

# --- exit codes and messages in the tool's own words -------------------------------------------
expect_code 3 "missing secret (emit)" env BUILDABLE_SECRET_KEY= "$BLD" emit cli.test
expect_err '^buildable emit: configuration error: no secret key: set BUILDABLE_SECRET_KEY or pass --secret$' \
  "missing secret (emit)"
expect_code 3 "missing secret (listen)" env -u BUILDABLE_SECRET_KEY "$BLD" listen cli.test
expect_err '^buildable listen: configuration error: no secret key' "missing secret (listen)"
expect_code 3 "unusable base URL" "$BLD" --base-url ftp://example.com emit cli.test
expect_err "^buildable emit: configuration error: --base-url 'ftp://example.com' is not usable: " \
  "unusable base URL"
expect_code 3 "unusable base URL from the environment" \
  env BLD_EVENTS_BASE_URL=ftp://example.com "$BLD" emit cli.test
expect_err "BLD_EVENTS_BASE_URL 'ftp://example.com' is not usable" "the variable is named"
expect_code 3 "missing CA bundle" env BUILDABLE_CA_BUNDLE="$WORK/no-such-ca.pem" \
  "$BLD" emit cli.test
expect_err "the CA bundle '$WORK/no-such-ca.pem' (from BUILDABLE_CA_BUNDLE) does not exist" \
  "the CA bundle error"
expect_code 2 "invalid JSON payload" "$BLD" emit cli.test '{"n":'
expect_code 2 "payload not an object" "$BLD" emit cli.test '[1,2]'
expect_code 2 "unknown option" "$BLD" emit --bogus cli.test
expect_code 2 "bad --since" "$BLD" listen cli.test --since yesterday
expect_code 2 "a --platform with a dot" "$BLD" listen cli.test --platform a.b
expect_err '^buildable listen: --platform must not contain a dot$' "--platform message"
grep -q 'ListenOptions\|on: ' "$WORK/err" && fail "SDK internals in: $(cat "$WORK/err")"
expect_code 2 "a --label with a dot" "$BLD" listen cli.test --label a.b
expect_err '^buildable listen: --label must not contain a dot$' "--label message"
expect_code 2 "an EVENT with a control character" "$BLD" emit "$(printf 'a\tb')"
expect_err '^buildable emit: EVENT must not contain control characters$' "EVENT message"
expect_code 2 "emit --timeout without --retry-auth" "$BLD" emit --timeout 1 cli.test
expect_code 4 "unknown secret (HTTP 401)" "$BLD" emit --secret not-a-key cli.test
expect_err '^buildable emit: Buildable answered HTTP 401' "the 401"
expect_code 5 "connection refused" "$BLD" --base-url http://127.0.0.1:1 emit cli.test
expect_code 0 "--help" "$BLD" --help
grep -q '^  124 ' "$WORK/out" || fail "--help does not document the exit codes"
expect_code 0 "emit --help" "$BLD" emit --help
expect_code 0 "help listen" "$BLD" help listen
grep -q '^Usage: buildable listen' "$WORK/out" || fail "help listen: $(cat "$WORK/out")"
expect_code 2 "help of an unknown topic" "$BLD" help bogus
expect_err "^buildable: unknown help topic 'bogus'" "help bogus"
[ -s "$WORK/out" ] && fail "help bogus printed help on stdout"
expect_code 2 "--help of an unknown command" "$BLD" bogus --help
expect_err "^buildable: unknown command 'bogus'" "bogus --help"
expect_code 0 "--version" "$BLD" --version
expect_code 0 "global flags before the command" "$BLD" --base-url "$BLD_EVENTS_BASE_URL" \
  --verbose emit cli.test

# --- numbers and JSON the tool must refuse (exit 2) ------------------------------------------
expect_code 2 "a payload number out of a double's range" "$BLD" emit p5 '{"a":1e999}'
expect_err "^buildable emit: the payload argument is not valid JSON: " "1e999 payload"
expect_code 2 "an --output number out of range" "$BLD" resolve p5 k --failed --output 1e999
expect_err "^buildable resolve: --output argument is not valid JSON: " "1e999 output"
expect_code 2 "stranded --min-age 0x10 (hexadecimal)" "$BLD" stranded p5 --min-age 0x10
expect_code 2 "stranded --min-age 1e3 (exponent)" "$BLD" stranded p5 --min-age 1e3
expect_code 2 "stranded --min-age inf" "$BLD" stranded p5 --min-age inf
expect_code 2 "stranded --limit 0x10" "$BLD" stranded p5 --limit 0x10
expect_code 2 "stranded --limit ' 5' (space)" "$BLD" stranded p5 --limit ' 5'
expect_code 2 "listen --count +3" "$BLD" listen p5 --count +3 --timeout 1
expect_code 2 "listen --timeout 0x10" "$BLD" listen p5 --timeout 0x10 --count 1
expect_code 2 "listen --poll-interval 1e3" "$BLD" listen p5 --poll-interval 1e3 --timeout 1
expect_code 0 "stranded --min-age 0.5 --limit 10 (decimals)" "$BLD" stranded p5 --min-age 0.5 \
  --limit 10

# --- the secret key never appears in the tool's messages -------------------------------------
# no_secret DESCRIPTION: neither $WORK/out nor $WORK/err (the last expect_code's) holds it.
no_secret() {
  if grep -qF -- "$BUILDABLE_SECRET_KEY" "$WORK/out" "$WORK/err"; then
    fail "$1: the secret key was printed: $(cat "$WORK/out" "$WORK/err")"
  else
    ok "$1: the secret key is not shown"
  fi
}
expect_code 3 "the secret as a base URL's password" \
  "$BLD" --base-url "http://x:$BUILDABLE_SECRET_KEY@127.0.0.1:1" listen p1
expect_err "credentials do not belong in the URL" "credentials in the base URL"
no_secret "--base-url with credentials"
expect_code 3 "the secret as the variable's password" \
  env BLD_EVENTS_BASE_URL="http://x:$BUILDABLE_SECRET_KEY@127.0.0.1:1" "$BLD" listen p1
no_secret "BLD_EVENTS_BASE_URL with credentials"
expect_code 3 "the secret in the base URL's query" \
  "$BLD" --base-url "http://127.0.0.1:1/?k=$BUILDABLE_SECRET_KEY" emit p1
no_secret "the secret in the query"
expect_code 3 "the secret in a remote http:// base URL's path" \
  "$BLD" --base-url "http://example.com/$BUILDABLE_SECRET_KEY" emit p1
expect_err "plain http:// is only allowed for loopback hosts" "remote http:// with the secret"
no_secret "the secret in a remote http:// path"
expect_code 3 "the secret in a CA bundle's name" \
  "$BLD" --ca-bundle "$WORK/$BUILDABLE_SECRET_KEY.pem" emit p1
no_secret "the secret in --ca-bundle"
expect_code 2 "resolve a KEY holding the secret (the SDK refuses it)" \
  "$BLD" resolve r3 "abc${BUILDABLE_SECRET_KEY}def" --finished
expect_err "message (key not shown)" "the KEY holding the secret"
no_secret "resolve KEY with the secret"

# --- SIGHUP stops listen gracefully, as SIGTERM does --------------------------------------------
signal_stops_listen HUP cli.hup

# --- closed standard descriptors: nothing else may become standard output -----------------------
"$BLD" emit cli.closed '{"n":1}' >&- 2>"$WORK/err"
code=$?
[ "$code" = 1 ] && ok "emit >&-: exit 1" || fail "emit >&- exited $code"
expect_err "^buildable emit: cannot write to standard output: Bad file descriptor; the message was sent, key [0-9a-f]*$" \
  "emit >&- says its key"
"$BLD" listen cli.closed --since all --tx-key TC --timeout 10 --poll-interval 100 >&- \
  2>"$WORK/err"
code=$?
[ "$code" = 1 ] && ok "listen >&-: exit 1 (no hang)" || fail "listen >&- exited $code"
expect_err "cannot write to standard output: Bad file descriptor" "listen >&-"
[ "$(tx_count cli.closed TC finished)" = 0 ] || fail "listen >&- recorded a message finished"
key=$(tx_keys cli.closed TC processing)
[ -n "$key" ] && grep -q "message $key was claimed but not delivered" "$WORK/err" ||
  fail "listen >&-: the claimed message ($key) is not reported: $(cat "$WORK/err")"
"$BLD" stranded cli.closed --tx-key TC >&- 2>"$WORK/err"
code=$?
[ "$code" = 1 ] && ok "stranded >&-: exit 1" || fail "stranded >&- exited $code"
expect_err "^buildable stranded: cannot write to standard output" "stranded >&-"
"$BLD" resolve cli.closed --all --tx-key TC --reprint >&- 2>"$WORK/err"
code=$?
[ "$code" = 1 ] && ok "resolve --reprint >&-: exit 1" || fail "resolve --reprint >&- exited $code"
[ "$(tx_count cli.closed TC finished)" = 0 ] || fail "resolve --reprint >&- recorded it finished"
grep -q "message $key was not delivered; it stays 'processing' for txKey 'TC'" "$WORK/err" ||
  fail "resolve --reprint >&-: $key not reported: $(cat "$WORK/err")"
expect_code 2 "emit - with standard input closed: an empty payload" \
  sh -c '"$1" emit cli.closed - <&-' sh "$BLD"

# --- the emulator stops on SIGTERM with exit 0 ----------------------------------------------
kill -TERM "$EMULATOR_PID"
wait "$EMULATOR_PID"
code=$?
[ "$code" -eq 0 ] && ok "emulator stopped by SIGTERM (exit 0)" ||
  fail "the emulator exited $code on SIGTERM"

finish
