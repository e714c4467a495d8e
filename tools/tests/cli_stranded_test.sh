#!/bin/sh
# End-to-end test of `buildable stranded` and `buildable resolve`: the real binary against real
# emulators sharing one SQLite file, one of them injecting the faults that strand messages
# (claim answers lost; a record held back while `buildable listen` is killed with SIGKILL).
# Usage: cli_stranded_test.sh BUILDABLE
set -u

BLD=${1:?usage: cli_stranded_test.sh path/to/buildable}
. "$(dirname "$0")/cli_lib.sh"
TAB=$(printf '\t')

# start_db_emulator NAME ARGS...: starts `buildable emulator` on the shared database; sets URL.
start_db_emulator() {
  name=$1
  shift
  "$BLD" emulator --port 0 --db "$WORK/events.db" "$@" >"$WORK/$name.out" 2>&1 &
  background $!
  if ! wait_until 20 grep -q -- '^  export BUILDABLE_SECRET_KEY=' "$WORK/$name.out"; then
    echo "FAIL: emulator $name did not start:" >&2
    cat "$WORK/$name.out" >&2
    exit 1
  fi
  URL=$(sed -n 's/^  export BLD_EVENTS_BASE_URL=//p' "$WORK/$name.out")
}

# lines FILE: its number of lines.
lines() { wc -l <"$1" | tr -d ' '; }

# strand EVENT N: runs `listen EVENT` against the emulator that loses claim answers until N
# messages of EVENT are stranded (or 20 s pass), then stops it with SIGTERM. Its stderr is
# left in $WORK/strand.err; returns 1 when fewer than N got stranded.
strand() {
  "$BLD" --base-url "$LOSSY" listen "$1" --since all --timeout 60 --poll-interval 100 \
    >"$WORK/strand.out" 2>"$WORK/strand.err" &
  strand_pid=$!
  i=0
  while [ "$("$BLD" stranded "$1" | wc -l)" -lt "$2" ] && [ "$i" -lt 200 ]; do
    i=$((i + 1))
    sleep 0.1
  done
  kill -TERM "$strand_pid"
  wait "$strand_pid"
  strand_code=$?
  [ "$strand_code" -eq 130 ] || fail "listen $1 stopped with $strand_code, not 130"
  [ -s "$WORK/strand.out" ] && fail "listen printed messages whose claims it cannot be sure of"
  [ "$i" -lt 200 ]
}

# --- Usage errors (exit 2) need no service ------------------------------------------------
export BUILDABLE_SECRET_KEY=sk_test_unused BLD_EVENTS_BASE_URL=http://127.0.0.1:1
expect_code 0 "stranded --help" "$BLD" stranded --help
grep -q -- '--min-age' "$WORK/out" || fail "stranded --help does not list --min-age"
expect_code 0 "help resolve" "$BLD" help resolve
grep -q -- '--reprint' "$WORK/out" || fail "resolve help does not list --reprint"
"$BLD" --help | grep -q '^  stranded EVENT' || fail "buildable --help does not list stranded"
expect_code 2 "stranded without EVENT" "$BLD" stranded
expect_code 2 "stranded --platform with a dot" "$BLD" stranded e --platform cu.stom
grep -q -- '--platform must not contain a dot' "$WORK/err" || fail "dot: $(cat "$WORK/err")"
expect_code 2 "stranded --limit 0" "$BLD" stranded e --limit 0
expect_code 2 "stranded --min-age abc" "$BLD" stranded e --min-age abc
expect_code 2 "stranded --since yesterday" "$BLD" stranded e --since yesterday
expect_code 2 "resolve without KEY or --all" "$BLD" resolve e --finished
expect_code 2 "resolve with KEY and --all" "$BLD" resolve e k --all --finished
expect_code 2 "resolve without --finished/--failed/--reprint" "$BLD" resolve e k
expect_code 2 "resolve with --finished and --failed" "$BLD" resolve e k --finished --failed
expect_code 2 "resolve --output that is not JSON" "$BLD" resolve e k --failed --output '{oops'
expect_code 2 "resolve --output @missing-file" "$BLD" resolve e k --failed --output @"$WORK/none"
expect_code 2 "resolve --reprint with --output" "$BLD" resolve e k --reprint --output 1
expect_code 2 "resolve KEY --finished with a selecting flag" "$BLD" resolve e k --finished --since all
# Sent, so refused by nothing before the network: a closed port is exit 5.
expect_code 5 "stranded against a closed port" "$BLD" stranded e

# --- Three emulators on one database --------------------------------------------------------
# A: no faults. B: every claim is applied and its answer lost. C: every record is held for
# an hour (not applied before the emulator stops).
start_db_emulator clean
CLEAN=$URL
BUILDABLE_SECRET_KEY=$(sed -n 's/^  export BUILDABLE_SECRET_KEY=//p' "$WORK/clean.out")
export BUILDABLE_SECRET_KEY
start_db_emulator lossy --secret "demo=$BUILDABLE_SECRET_KEY" --fault close-after:1:/init
LOSSY=$URL
start_db_emulator holding --secret "demo=$BUILDABLE_SECRET_KEY" --fault delay:1:/transact:delay=3600000
HOLDING=$URL
export BLD_EVENTS_BASE_URL=$CLEAN
echo "emulators at $CLEAN (clean), $LOSSY (claim answers lost), $HOLDING (records held)"

# --- Claim answers lost: three messages stranded for txKey "default" -----------------------
for n in 1 2 3; do
  "$BLD" emit cli.lost "{\"n\":$n}" >>"$WORK/keys" || fail "emit cli.lost $n"
done
KEY1=$(sed -n 1p "$WORK/keys")
KEY2=$(sed -n 2p "$WORK/keys")
KEY3=$(sed -n 3p "$WORK/keys")
strand cli.lost 3 || fail "listen with lost claim answers did not strand 3 messages"
for key in $KEY1 $KEY2 $KEY3; do
  grep -q "claim_ambiguous error (message $key)" "$WORK/strand.err" ||
    fail "no claim_ambiguous for $key: $(cat "$WORK/strand.err")"
done

expect_code 0 "stranded lists them" "$BLD" stranded cli.lost
[ "$(lines "$WORK/out")" -eq 3 ] || fail "stranded printed $(lines "$WORK/out") lines, not 3"
n=0
for key in $KEY1 $KEY2 $KEY3; do
  n=$((n + 1))
  sed -n "${n}p" "$WORK/out" |
    grep -q "^$key${TAB}cli.lost${TAB}20[0-9-]*T[0-9:.]*Z${TAB}[0-9][0-9dhms]*\$" ||
    fail "stranded line $n: $(sed -n "${n}p" "$WORK/out")"
done
expect_code 0 "stranded --json" "$BLD" stranded cli.lost --json
sed -n 1p "$WORK/out" | grep -qx "{\"key\":\"$KEY1\",\"event\":\"cli.lost\",\"payload\":{\"n\":1},\"headers\":{},\"query\":{},\"createdAt\":[0-9]*,\"platform\":\"custom\",\"label\":\"demo\",\"environment\":\"test\",\"ageMs\":[0-9]*}" ||
  fail "stranded --json line: $(sed -n 1p "$WORK/out")"
expect_code 0 "stranded --limit 2" "$BLD" stranded cli.lost --limit 2
[ "$(lines "$WORK/out")" -eq 2 ] || fail "--limit 2 printed $(lines "$WORK/out") lines"
grep -q 'more messages match' "$WORK/err" || fail "--limit 2 did not say more match"
expect_code 0 "stranded --min-age 3600 (all are younger)" "$BLD" stranded cli.lost --min-age 3600
[ -s "$WORK/out" ] && fail "--min-age 3600 listed $(cat "$WORK/out")"
expect_code 0 "stranded for another txKey" "$BLD" stranded cli.lost --tx-key other
[ -s "$WORK/out" ] && fail "txKey other listed $(cat "$WORK/out")"

# resolve KEY: finished with an output, then again (already ended), then a key never claimed.
expect_code 0 "resolve KEY1 --finished --output" \
  "$BLD" resolve cli.lost "$KEY1" --finished --output '{"by":"hand"}'
[ "$(cat "$WORK/out")" = "$KEY1 finished" ] || fail "resolve printed '$(cat "$WORK/out")'"
expect_code 0 "resolve KEY1 again" "$BLD" resolve cli.lost "$KEY1" --failed
[ "$(cat "$WORK/out")" = "$KEY1 already-ended" ] || fail "again: '$(cat "$WORK/out")'"
if command -v curl >/dev/null 2>&1; then
  finished=$(curl -s -X POST "$CLEAN/query" -H 'Content-Type: application/json' \
    -H "X-Buildable-Secret: $BUILDABLE_SECRET_KEY" \
    -d '{"eventName":"cli.lost","txKey":"default","since":0,"txState":"finished"}')
  echo "$finished" | grep -q "\"key\":\"$KEY1\"" || fail "KEY1 not recorded finished: $finished"
fi
# One key that cannot be resolved (HTTP 404) hides not the next: exit 4 once both were tried.
echo '"given up by hand"' >"$WORK/output.json"
expect_code 4 "resolve an unclaimed key and KEY2 --failed --output @file" \
  "$BLD" resolve cli.lost 0123456789abcdef0123456789abcdef "$KEY2" --failed --output @"$WORK/output.json"
[ "$(cat "$WORK/out")" = "$KEY2 failed" ] || fail "KEY2 after a failure: '$(cat "$WORK/out")'"
grep -q 'message 0123456789abcdef0123456789abcdef: .*404' "$WORK/err" ||
  fail "the 404 was not reported: $(cat "$WORK/err")"

# --reprint hands KEY3 out again: printed as listen prints it, then recorded finished.
expect_code 0 "resolve --all --reprint" "$BLD" resolve cli.lost --all --reprint
[ "$(lines "$WORK/out")" -eq 1 ] || fail "--reprint printed $(lines "$WORK/out") lines"
grep -qx "{\"key\":\"$KEY3\",\"event\":\"cli.lost\",\"payload\":{\"n\":3},\"headers\":{},\"query\":{},\"createdAt\":[0-9]*,\"platform\":\"custom\",\"label\":\"demo\",\"environment\":\"test\"}" "$WORK/out" ||
  fail "--reprint line: $(cat "$WORK/out")"
expect_code 0 "nothing stranded any more" "$BLD" stranded cli.lost
[ -s "$WORK/out" ] && fail "still stranded: $(cat "$WORK/out")"

# --all resolves in batches of --limit until none is left.
for n in 1 2 3; do "$BLD" emit cli.batch "{\"n\":$n}" >/dev/null || fail "emit cli.batch"; done
strand cli.batch 3 || fail "cli.batch: not 3 messages stranded"
expect_code 0 "stranded cli.batch" "$BLD" stranded cli.batch
[ "$(lines "$WORK/out")" -eq 3 ] || fail "cli.batch: $(lines "$WORK/out") stranded, not 3"
expect_code 0 "resolve --all --failed --limit 1" "$BLD" resolve cli.batch --all --failed --limit 1
[ "$(grep -c ' failed$' "$WORK/out")" -eq 3 ] || fail "batches resolved: $(cat "$WORK/out")"
expect_code 0 "cli.batch resolved" "$BLD" stranded cli.batch
[ -s "$WORK/out" ] && fail "cli.batch still stranded: $(cat "$WORK/out")"

# --- A listener killed between claim and record -----------------------------------------------
KILLED=$("$BLD" emit cli.killed '{"order":7}') || fail "emit cli.killed"
"$BLD" --base-url "$HOLDING" listen cli.killed --since all --tx-key shipping \
  --poll-interval 100 >"$WORK/listen.out" 2>"$WORK/listen.err" &
LISTEN_PID=$!
background "$LISTEN_PID"
# Printed means claimed, and its record is being held by the emulator: kill it now.
wait_for_line "$WORK/listen.out" "\"key\":\"$KILLED\"" || fail "listen did not print $KILLED"
kill -KILL "$LISTEN_PID"
wait "$LISTEN_PID" 2>/dev/null
[ $? -eq 137 ] || fail "listen was not killed by SIGKILL"
expect_code 0 "stranded finds the killed listener's message" \
  "$BLD" stranded cli.killed --tx-key shipping
[ "$(cut -f1 "$WORK/out")" = "$KILLED" ] || fail "stranded after the kill: $(cat "$WORK/out")"
expect_code 0 "resolve --all --finished for txKey shipping" \
  "$BLD" resolve cli.killed --all --finished --tx-key shipping --output '{"shipped":true}'
[ "$(cat "$WORK/out")" = "$KILLED finished" ] || fail "resolve after the kill: '$(cat "$WORK/out")'"
expect_code 0 "the killed listener's message is resolved" "$BLD" stranded cli.killed --tx-key shipping
[ -s "$WORK/out" ] && fail "still stranded: $(cat "$WORK/out")"

finish
