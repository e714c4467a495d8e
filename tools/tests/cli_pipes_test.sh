#!/bin/sh
# `buildable listen` the way shells run it: real pipes (head, a reader that closes without
# reading, one that stops reading), a full disk, and signals. Each checks, through the
# emulator, which messages ended `finished`, which stayed `processing` (their keys on stderr)
# and which are still unclaimed for the txKey. Usage: cli_pipes_test.sh BUILDABLE
set -u
BLD=${1:?usage: cli_pipes_test.sh path/to/buildable}
. "$(dirname "$0")/cli_lib.sh"

start_emulator

# emit_n EVENT N: N messages {"n":1}..{"n":N}.
emit_n() {
  i=1
  while [ "$i" -le "$2" ]; do
    "$BLD" emit "$1" "{\"n\":$i}" >/dev/null || fail "emit $1 $i"
    i=$((i + 1))
  done
}

# processing_reported EVENT TXKEY ERRFILE: every message `processing` for TXKEY has its key
# on stderr (ERRFILE), as the tool promises.
processing_reported() {
  for key in $(tx_keys "$1" "$2" processing); do
    grep -q "message $key was claimed but not delivered; it stays 'processing' for txKey '$2'" \
      "$3" || fail "$1/$2: message $key is processing but not reported: $(cat "$3")"
  done
}

# --- listen | head -2: the two printed messages finished, the rest unclaimed ---------------
emit_n pipe.head 30
{
  "$BLD" listen pipe.head --since all --tx-key T --timeout 20 --poll-interval 100 \
    2>"$WORK/head.err"
  echo $? >"$WORK/head.rc"
} | head -2 >"$WORK/head.out"
[ "$(cat "$WORK/head.rc")" = 0 ] && ok "listen | head -2 exits 0" ||
  fail "listen | head -2 exited $(cat "$WORK/head.rc"): $(cat "$WORK/head.err")"
[ "$(wc -l <"$WORK/head.out")" -eq 2 ] || fail "head printed $(cat "$WORK/head.out")"
printed_keys "$WORK/head.out" >"$WORK/head.printed"
tx_keys pipe.head T finished >"$WORK/head.finished"
cmp -s "$WORK/head.printed" "$WORK/head.finished" && ok "exactly the 2 printed are finished" ||
  fail "finished for T: $(cat "$WORK/head.finished"); printed: $(cat "$WORK/head.printed")"
processing=$(tx_count pipe.head T processing)
[ "$processing" -le 1 ] && ok "$processing message(s) left processing (at most 1)" ||
  fail "$processing messages left processing after listen | head -2"
processing_reported pipe.head T "$WORK/head.err"
rest=$((30 - 2 - processing))
[ "$(tx_count pipe.head T does-not-exist)" = "$rest" ] ||
  fail "unclaimed for T: $(tx_count pipe.head T does-not-exist), expected $rest"
expect_code 0 "a second listen gets the $rest unclaimed messages" \
  "$BLD" listen pipe.head --since all --tx-key T --count "$rest" --timeout 20 --poll-interval 100
[ "$(printed_keys "$WORK/out" | wc -l)" -eq "$rest" ] || fail "the second listen: $(cat "$WORK/out")"
printed_keys "$WORK/out" | grep -qxFf "$WORK/head.printed" && fail "a printed message came again"

# --- a reader that closes without reading: nothing is recorded finished --------------------
{
  "$BLD" listen pipe.head --since all --tx-key U --timeout 20 --poll-interval 100 \
    2>"$WORK/true.err"
  echo $? >"$WORK/true.rc"
} | true
[ "$(cat "$WORK/true.rc")" = 0 ] && ok "listen | true exits 0" ||
  fail "listen | true exited $(cat "$WORK/true.rc"): $(cat "$WORK/true.err")"
[ "$(tx_count pipe.head U finished)" = 0 ] || fail "listen | true recorded messages finished"
[ "$(tx_count pipe.head U processing)" -le 1 ] || fail "listen | true left several processing"
processing_reported pipe.head U "$WORK/true.err"

# ... and an idle listen notices its reader leave without a message to write.
{
  "$BLD" listen pipe.nothing --tx-key U --timeout 20 --poll-interval 100 2>"$WORK/idle.err"
  echo $? >"$WORK/idle.rc"
} | true
[ "$(cat "$WORK/idle.rc")" = 0 ] && ok "an idle listen | true exits 0 (not 124)" ||
  fail "an idle listen | true exited $(cat "$WORK/idle.rc"): $(cat "$WORK/idle.err")"

# --- a reader that reads one line and leaves while the second one waits in the pipe ---------
# read_one OUT GO: prints one line to OUT, then holds the pipe unread until file GO exists.
read_one() {
  IFS= read -r line
  printf '%s\n' "$line" >"$1"
  wait_until 30 test -e "$2"
}
# second_claimed TXKEY: the first message of pipe.one is recorded and the second one claimed
# (one 'processing' alone could still be the first one, read but not yet recorded).
second_claimed() {
  tx_count_is 1 pipe.one "$1" finished && tx_count_is 1 pipe.one "$1" processing
}
emit_n pipe.one 5
{
  "$BLD" listen pipe.one --since all --tx-key C --timeout 20 --poll-interval 100 2>"$WORK/c.err"
  echo $? >"$WORK/c.rc"
} | read_one "$WORK/c.out" "$WORK/c.go" &
READER=$!
background "$READER"
wait_until 10 second_claimed C || fail "the second message was not claimed"
touch "$WORK/c.go"
wait "$READER"
[ "$(cat "$WORK/c.rc")" = 0 ] || fail "listen whose reader left exited $(cat "$WORK/c.rc")"
[ "$(tx_keys pipe.one C finished)" = "$(printed_keys "$WORK/c.out")" ] &&
  ok "the line read is finished" || fail "finished: $(tx_keys pipe.one C finished)"
[ "$(tx_count pipe.one C processing)" = 1 ] && ok "the unread line's message stays processing" ||
  fail "processing for C: $(tx_count pipe.one C processing)"
processing_reported pipe.one C "$WORK/c.err"
[ "$(tx_count pipe.one C does-not-exist)" = 3 ] || fail "unclaimed for C, expected 3"

# --- SIGTERM while the reader does not read: exit 130, the unread message stays processing -----
# listen_to_stuck_reader TXKEY: a listen of pipe.one whose reader reads one line and then
# nothing; sets LISTEN (its PID file) and waits until the second message is claimed.
listen_to_stuck_reader() {
  {
    "$BLD" listen pipe.one --since all --tx-key "$1" --poll-interval 100 2>"$WORK/$1.err" &
    echo $! >"$WORK/$1.pid"
    wait $!
    echo $? >"$WORK/$1.rc"
  } | read_one "$WORK/$1.out" "$WORK/$1.go" &
  background $!
  wait_until 10 test -s "$WORK/$1.pid" || fail "$1: no listen"
  background "$(cat "$WORK/$1.pid")"
  wait_until 10 second_claimed "$1" || fail "$1: no second message claimed"
}
listen_to_stuck_reader D
kill -TERM "$(cat "$WORK/D.pid")"
wait_until 10 test -s "$WORK/D.rc" || fail "listen did not stop on SIGTERM"
[ "$(cat "$WORK/D.rc")" = 130 ] && ok "SIGTERM with an unread line: exit 130" ||
  fail "SIGTERM with an unread line: exit $(cat "$WORK/D.rc")"
[ "$(tx_count pipe.one D finished)" = 1 ] || fail "D: the line read is not finished"
[ "$(tx_count pipe.one D processing)" = 1 ] || fail "D: the unread line is not processing"
processing_reported pipe.one D "$WORK/D.err"
touch "$WORK/D.go"

# A second signal ends the process at once: no graceful stop, so no report either.
listen_to_stuck_reader E
kill -TERM "$(cat "$WORK/E.pid")"
kill -TERM "$(cat "$WORK/E.pid")"
wait_until 10 test -s "$WORK/E.rc" || fail "listen did not exit on a second SIGTERM"
[ "$(cat "$WORK/E.rc")" = 130 ] && ok "a second SIGTERM: exit 130" ||
  fail "a second SIGTERM: exit $(cat "$WORK/E.rc")"
grep -q "claimed but not delivered" "$WORK/E.err" &&
  fail "the second signal let the graceful stop finish: $(cat "$WORK/E.err")"
touch "$WORK/E.go"

# A signal while a claim is in flight (an emulator that holds each claim 3 s): the message is
# claimed but never printed, so it stays processing, reported.
"$BLD" emulator --port 0 --fault delay:1:/init:delay=3000 >"$WORK/slow.out" 2>&1 &
background $!
wait_for_line "$WORK/slow.out" '^  export BUILDABLE_SECRET_KEY=' || fail "no slow emulator"
SLOW_URL=$(sed -n 's/^  export BLD_EVENTS_BASE_URL=//p' "$WORK/slow.out")
SLOW_KEY=$(sed -n 's/^  export BUILDABLE_SECRET_KEY=//p' "$WORK/slow.out")
"$BLD" emit pipe.slow --base-url "$SLOW_URL" --secret "$SLOW_KEY" >/dev/null || fail "emit slow"
"$BLD" listen pipe.slow --base-url "$SLOW_URL" --secret "$SLOW_KEY" --since all --verbose \
  >"$WORK/slow.listen" 2>"$WORK/slow.err" &
LISTEN=$!
background "$LISTEN"
# The claim goes out as soon as the query is answered.
wait_for_line "$WORK/slow.err" 'debug: POST /query: HTTP 200' || fail "slow: no query"
kill -TERM "$LISTEN"
wait "$LISTEN"
code=$?
[ "$code" = 130 ] && ok "SIGTERM during a claim: exit 130" || fail "SIGTERM during a claim: $code"
[ -s "$WORK/slow.listen" ] && fail "the message claimed during the stop was printed"
slow_key=$(BLD_EVENTS_BASE_URL=$SLOW_URL BUILDABLE_SECRET_KEY=$SLOW_KEY \
  tx_keys pipe.slow default processing)
[ -n "$slow_key" ] && ok "the message claimed during the stop stays processing" ||
  fail "slow: nothing processing"
grep -q "message $slow_key was claimed but not delivered" "$WORK/slow.err" ||
  fail "slow: $slow_key not reported: $(cat "$WORK/slow.err")"

# --- resolve --reprint delivers as listen does -------------------------------------------------
# strand_n EVENT TXKEY N: N messages of EVENT, each claimed for TXKEY with a raw /init and left
# there, as a listener that died would leave them.
strand_n() {
  i=1
  while [ "$i" -le "$3" ]; do
    key=$("$BLD" emit "$1" "{\"n\":$i}") || fail "emit $1 $i"
    curl -s -o /dev/null -X POST "$BLD_EVENTS_BASE_URL/init" -H 'Content-Type: application/json' \
      -H "X-Buildable-Secret: $BUILDABLE_SECRET_KEY" -d "{\"key\":\"$key\",\"txKey\":\"$2\"}"
    i=$((i + 1))
  done
  [ "$(tx_count "$1" "$2" processing)" = "$3" ] || fail "$1: not $3 messages stranded for $2"
}

# A reader that reads one line and leaves while the next one waits in the pipe: only the line
# read is recorded finished; the unread one is reported, it and the rest stay processing.
strand_n pipe.reprint R 20
{
  "$BLD" resolve pipe.reprint --all --tx-key R --reprint 2>"$WORK/rp.err"
  echo $? >"$WORK/rp.rc"
} | read_one "$WORK/rp.out" "$WORK/rp.go" &
READER=$!
background "$READER"
wait_until 10 test -s "$WORK/rp.out" || fail "resolve --reprint printed nothing"
wait_until 10 tx_count_is 1 pipe.reprint R finished || fail "the line read was not recorded"
touch "$WORK/rp.go"
wait "$READER"
[ "$(cat "$WORK/rp.rc")" = 0 ] && ok "resolve --reprint whose reader left: exit 0" ||
  fail "resolve --reprint whose reader left exited $(cat "$WORK/rp.rc"): $(cat "$WORK/rp.err")"
[ "$(tx_keys pipe.reprint R finished)" = "$(printed_keys "$WORK/rp.out")" ] &&
  ok "resolve --reprint: only the line read is finished" ||
  fail "resolve --reprint finished $(tx_count pipe.reprint R finished): $(tx_keys pipe.reprint R finished)"
[ "$(tx_count pipe.reprint R processing)" = 19 ] ||
  fail "resolve --reprint: $(tx_count pipe.reprint R processing) processing, not 19"
grep -q "^buildable resolve: message [0-9a-f]* was not delivered; it stays 'processing' for txKey 'R'" \
  "$WORK/rp.err" || fail "resolve --reprint: the unread message not reported: $(cat "$WORK/rp.err")"

# A reader gone before the first line: not killed by SIGPIPE (141), exit 0, nothing finished.
{
  wait_until 10 test -e "$WORK/rp2.closed"
  "$BLD" resolve pipe.reprint --all --tx-key R --reprint 2>"$WORK/rp2.err"
  echo $? >"$WORK/rp2.rc"
} | {
  exec <&-
  touch "$WORK/rp2.closed"
}
[ "$(cat "$WORK/rp2.rc")" = 0 ] && ok "resolve --reprint to a closed pipe: exit 0" ||
  fail "resolve --reprint to a closed pipe exited $(cat "$WORK/rp2.rc"): $(cat "$WORK/rp2.err")"
[ "$(tx_count pipe.reprint R processing)" = 19 ] || fail "resolve --reprint | closed recorded some"
grep -q "was not delivered; it stays 'processing'" "$WORK/rp2.err" ||
  fail "resolve --reprint | closed: nothing reported: $(cat "$WORK/rp2.err")"

# emit and stranded writing to a closed pipe: exit 1 with the reason (emit: and the key).
{
  wait_until 10 test -e "$WORK/emit.closed"
  "$BLD" emit pipe.emit '{}' 2>"$WORK/emit.err"
  echo $? >"$WORK/emit.rc"
  "$BLD" stranded pipe.reprint --tx-key R 2>"$WORK/stranded.err"
  echo $? >"$WORK/stranded.rc"
} | {
  exec <&-
  touch "$WORK/emit.closed"
}
[ "$(cat "$WORK/emit.rc")" = 1 ] && ok "emit to a closed pipe: exit 1" ||
  fail "emit to a closed pipe exited $(cat "$WORK/emit.rc")"
grep -q "^buildable emit: cannot write to standard output: Broken pipe; the message was sent, key [0-9a-f]*$" \
  "$WORK/emit.err" || fail "emit to a closed pipe: $(cat "$WORK/emit.err")"
[ "$(cat "$WORK/stranded.rc")" = 1 ] && ok "stranded to a closed pipe: exit 1" ||
  fail "stranded to a closed pipe exited $(cat "$WORK/stranded.rc")"
grep -q "^buildable stranded: cannot write to standard output: Broken pipe$" \
  "$WORK/stranded.err" || fail "stranded to a closed pipe: $(cat "$WORK/stranded.err")"

# --- SIGINT while listening (in the background of this non-interactive shell) ---------------
signal_stops_listen INT pipe.int

# --- standard output that cannot be written: exit 1, the message stays processing -----------
if [ -w /dev/full ]; then
  "$BLD" listen pipe.one --since all --tx-key G2 --timeout 20 --poll-interval 100 \
    >/dev/full 2>"$WORK/full.err"
  code=$?
  [ "$code" = 1 ] && ok "listen >/dev/full: exit 1" || fail "listen >/dev/full exited $code"
  grep -q "cannot write to standard output: No space left on device" "$WORK/full.err" ||
    fail "listen >/dev/full: $(cat "$WORK/full.err")"
  [ "$(tx_count pipe.one G2 finished)" = 0 ] || fail "listen >/dev/full recorded a message"
  [ "$(tx_count pipe.one G2 processing)" = 1 ] || fail "listen >/dev/full: nothing processing"
  processing_reported pipe.one G2 "$WORK/full.err"
fi

finish
