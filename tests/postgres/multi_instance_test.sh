#!/usr/bin/env bash
# Several servers on one PostgreSQL database behind HAProxy, one of them killed midway.
#   with_postgres.sh multi_instance_test.sh SERVER CLI EMITTER [MESSAGES]
# Three `SERVER --store $BUILDABLE_TEST_POSTGRES` instances, HAProxy balancing round-robin in
# front, four `CLI listen` processes sharing one txKey, MESSAGES (default 3000) emitted one by
# one through the balancer. When half are acknowledged, instance 2 gets SIGKILL and is started
# again on its port. Then: no message handled twice, every acknowledged message stored, and
# every message ends `finished`. A claim whose answer died with the instance is sent again
# with its claim token and answered by another instance with the claim it made, so nothing is
# left `processing` (stranded); should anything be, it must have been reported with its key
# by a listener, and `CLI resolve --all --reprint` resolves it, but the test fails all the
# same. Instance 3 also loses one claim answer in 20 after making it, so claims are sent
# again throughout; the listeners trace their requests (--verbose) to count them.
set -euo pipefail
server=$1 cli=$2 emitter=$3 messages=${4:-3000}
: "${BUILDABLE_TEST_POSTGRES:?run under tests/support/with_postgres.sh}"
secret="multi-instance-secret"
event="multi.instance"
tx_key="shared"
work=$(mktemp -d "${TMPDIR:-/tmp}/buildable-multi.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  # What every process said last, so that a failure can be understood from CI's output alone.
  for log in "$work"/*.log; do
    [[ -f $log ]] || continue
    echo "--- ${log##*/} (last 20 lines)" >&2
    tail -n 20 "$log" >&2
  done
  exit 1
}

# Waits (polling, up to $1 seconds) until the command "${@:2}" succeeds.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.1
  done
}
sql() { psql "$BUILDABLE_TEST_POSTGRES" -Atqc "$1"; }

"$server" --store "$BUILDABLE_TEST_POSTGRES" --migrate-only >/dev/null

# Starts instance $1 on port $2 (0 = any) with the flags that follow; its banner goes to
# $work/server$1.log.
start_server() {
  "$server" --store "$BUILDABLE_TEST_POSTGRES" --port "$2" --secret "demo=$secret" \
    --threads 4 "${@:3}" >"$work/server$1.log" 2>&1 &
  eval "server_pid_$1=$!"
  pids+=($!)
  wait_until 20 grep -q "listening on" "$work/server$1.log" ||
    { cat "$work/server$1.log" >&2; fail "instance $1 did not start"; }
  eval "server_port_$1=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' \
    "$work/server$1.log")"
}
start_server 1 0
start_server 2 0
# Instance 3 loses the answer of one claim in 20 after making it, as a dying machine would.
start_server 3 0 --fault close-after:0.05:/init

# HAProxy: round-robin over the three, a dead instance noticed by its health check or by a
# refused connection (retried on another instance: nothing was sent).
started=0
for attempt in 1 2 3 4 5 6 7 8; do
  balancer_port=$((20000 + RANDOM % 30000))
  cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch
frontend events
  bind 127.0.0.1:$balancer_port
  default_backend servers
backend servers
  balance roundrobin
  option httpchk GET /readyz
  server s1 127.0.0.1:$server_port_1 check inter 200 fall 1 rise 2
  server s2 127.0.0.1:$server_port_2 check inter 200 fall 1 rise 2
  server s3 127.0.0.1:$server_port_3 check inter 200 fall 1 rise 2
CFG
  haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  haproxy_pid=$!
  if wait_until 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$balancer_port" 2>/dev/null; then
    started=1; pids+=($haproxy_pid); break
  fi
  kill "$haproxy_pid" 2>/dev/null || true
done
[[ $started -eq 1 ]] || { cat "$work/haproxy.log" >&2; fail "haproxy did not start"; }
base_url="http://127.0.0.1:$balancer_port"
export BUILDABLE_SECRET_KEY=$secret BLD_EVENTS_BASE_URL=$base_url

listeners=()
for i in 1 2 3 4; do
  "$cli" listen "$event" --since all --tx-key "$tx_key" --poll-interval 100 --verbose \
    >"$work/handled$i.jsonl" 2>"$work/listener$i.log" &
  listeners+=($!); pids+=($!)
done

"$emitter" "$base_url" "$secret" "$event" "$messages" >"$work/acknowledged.txt" \
  2>"$work/emitter.log" &
emitter_pid=$!; pids+=($emitter_pid)

acknowledged_count() { [[ $(wc -l <"$work/acknowledged.txt") -ge $1 ]]; }
wait_until 300 acknowledged_count $((messages / 2)) || fail "half the messages were not emitted"
kill -9 "$server_pid_2"
echo "instance 2 killed after $(wc -l <"$work/acknowledged.txt") acknowledged emits"
wait "$server_pid_2" 2>/dev/null || true
start_server 2 "$server_port_2"
echo "instance 2 restarted on port $server_port_2"

wait "$emitter_pid" || fail "the emitter failed"
cat "$work/emitter.log"
# Done when no message is left unclaimed for the txKey (the listeners poll every 100 ms).
unclaimed() {
  sql "SELECT count(*) FROM buildable_messages m WHERE m.event_name = '$event' AND NOT EXISTS
       (SELECT 1 FROM buildable_transactions t WHERE t.message_key = m.key AND t.tx_key = '$tx_key')"
}
no_unclaimed() { [[ $(unclaimed) -eq 0 ]]; }
wait_until 300 no_unclaimed || fail "$(unclaimed) messages were never claimed"
processing() {
  sql "SELECT count(*) FROM buildable_transactions WHERE tx_key = '$tx_key' AND state = 'processing'"
}
# A listener records what it printed; wait for what is still being recorded, not for strays.
settled() { local a; a=$(processing); sleep 0.5; [[ $(processing) -eq $a ]]; }
wait_until 60 settled || true
for pid in "${listeners[@]}"; do kill -TERM "$pid"; done
for pid in "${listeners[@]}"; do wait "$pid" || true; done

stored=$(sql "SELECT count(*) FROM buildable_messages WHERE event_name = '$event'")
acknowledged=$(sort -u "$work/acknowledged.txt" | wc -l)
cat "$work"/handled*.jsonl | sed -n 's/^{"key":"\([0-9a-f]*\)".*/\1/p' | sort >"$work/handled.txt"
handled=$(sort -u "$work/handled.txt" | wc -l)
twice=$(uniq -d "$work/handled.txt" | wc -l)
"$cli" stranded "$event" --tx-key "$tx_key" --json >"$work/stranded.jsonl"
sed -n 's/^{"key":"\([0-9a-f]*\)".*/\1/p' "$work/stranded.jsonl" | sort >"$work/stranded.txt"
stranded=$(wc -l <"$work/stranded.txt")
# Every stranded message was reported by a listener with its key.
cat "$work"/listener*.log >"$work/reports.log"
unreported=0
while read -r key; do
  grep -q "$key" "$work/reports.log" || { echo "stranded, never reported: $key"; unreported=$((unreported + 1)); }
done <"$work/stranded.txt"
"$cli" resolve "$event" --all --reprint --tx-key "$tx_key" >"$work/resolved.jsonl"
resolved=$(wc -l <"$work/resolved.jsonl")
resent=$(cat "$work"/listener*.log | grep -cE 'POST /init: .*\(attempt [2-9],' || true)
saved=$(cat "$work"/listener*.log | grep -cE 'POST /init: HTTP 200 .*\(attempt [2-9],' || true)
missing=$(comm -23 <(sort -u "$work/acknowledged.txt") \
  <(sql "SELECT key FROM buildable_messages WHERE event_name = '$event'" | sort) | wc -l)
not_finished=$(sql "SELECT count(*) FROM buildable_messages m WHERE m.event_name = '$event' AND
  NOT EXISTS (SELECT 1 FROM buildable_transactions t WHERE t.message_key = m.key
  AND t.tx_key = '$tx_key' AND t.state = 'finished')")

echo "claims sent again after a lost answer: $resent, of which answered 200 with their token: $saved"
cat "$work"/listener*.log | grep -E 'POST /init: .*\(attempt [2-9],|buildable listen: .* error' || true
echo "emitted $messages, acknowledged $acknowledged, stored $stored, handled $handled," \
  "handled twice $twice, stranded $stranded (reported by listeners: $((stranded - unreported)))," \
  "resolved $resolved, acknowledged but missing $missing, not finished at the end $not_finished"
[[ $twice -eq 0 ]] || fail "$twice messages were handled twice"
[[ $missing -eq 0 ]] || fail "$missing acknowledged messages are missing"
[[ $unreported -eq 0 ]] || fail "$unreported stranded messages were never reported"
[[ $resolved -eq $stranded ]] || fail "resolved $resolved of $stranded stranded messages"
[[ $stranded -eq 0 ]] || fail "$stranded messages were stranded despite claim tokens"
[[ $saved -gt 0 ]] || fail "no claim was saved by its token (instance 3 loses claim answers)"
[[ $not_finished -eq 0 ]] || fail "$not_finished messages are not finished"
[[ $acknowledged -ge $((messages * 9 / 10)) ]] || fail "only $acknowledged of $messages acknowledged"
echo "PASS"
