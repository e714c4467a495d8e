#!/bin/sh
# `buildable emulator` and the emulator's own program `buildable-emulator` print the same
# banner (URL, dashboard, keys, a try: line and the export lines), and report a port already
# in use with one prefix, their own. Usage: cli_banner_test.sh BUILDABLE BUILDABLE_EMULATOR
set -u
BLD=${1:?usage: cli_banner_test.sh path/to/buildable path/to/buildable-emulator}
EMU=${2:?usage: cli_banner_test.sh path/to/buildable path/to/buildable-emulator}
. "$(dirname "$0")/cli_lib.sh"

# banner NAME COMMAND...: starts COMMAND --port 0 in the background, waits for the banner's
# last line, and leaves the banner in $WORK/NAME.out and the process id in $WORK/NAME.pid.
banner() {
  name=$1
  shift
  "$@" --port 0 >"$WORK/$name.out" 2>&1 &
  echo $! >"$WORK/$name.pid"
  background "$(cat "$WORK/$name.pid")"
  wait_for_line "$WORK/$name.out" '^  export BUILDABLE_SECRET_KEY=' ||
    fail "$name: no export lines in its banner: $(cat "$WORK/$name.out")"
}

# normalized FILE: the banner with the program name, port, keys and login token replaced.
normalized() {
  sed -e 's/^buildable[ -]emulator listening on/PROGRAM listening on/' \
    -e 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g' -e 's/sk_test_[0-9a-f]*/SECRET/g' \
    -e 's/#login=[0-9a-f]*/#login=TOKEN/' "$1"
}

# stop NAME: SIGTERM, exit 0.
stop() {
  kill -TERM "$(cat "$WORK/$1.pid")"
  wait "$(cat "$WORK/$1.pid")"
  code=$?
  [ "$code" = 0 ] || fail "$1 exited $code on SIGTERM"
}

for flags in "" "--latency-ms 1"; do
  # shellcheck disable=SC2086 # the flags are words
  banner cli "$BLD" emulator $flags
  # shellcheck disable=SC2086
  banner emu "$EMU" $flags
  normalized "$WORK/cli.out" >"$WORK/cli.norm"
  normalized "$WORK/emu.out" >"$WORK/emu.norm"
  if cmp -s "$WORK/cli.norm" "$WORK/emu.norm"; then
    ok "the same banner lines (flags: ${flags:-none})"
  else
    fail "the banners differ (flags: ${flags:-none}):
$(diff "$WORK/cli.norm" "$WORK/emu.norm")"
  fi
  for pattern in '^PROGRAM listening on http://127.0.0.1:PORT$' \
    '^  dashboard: http://127.0.0.1:PORT/#login=TOKEN  (one-time login link for key demo)$' \
    '^  secret key demo (test): SECRET$' "^  try: curl -X POST http://127.0.0.1:PORT/emit " \
    '^  export BLD_EVENTS_BASE_URL=http://127.0.0.1:PORT$' '^  export BUILDABLE_SECRET_KEY=SECRET$'; do
    grep -q -- "$pattern" "$WORK/emu.norm" || fail "buildable-emulator's banner lacks '$pattern'"
  done
  [ -z "$flags" ] || grep -q '^  faults: 0 rule(s), latency 1 ms' "$WORK/emu.norm" ||
    fail "no faults line: $(cat "$WORK/emu.norm")"
  # The export lines point at this emulator, with its key.
  for name in cli emu; do
    url=$(sed -n 's/^  export BLD_EVENTS_BASE_URL=//p' "$WORK/$name.out")
    key=$(sed -n 's/^  export BUILDABLE_SECRET_KEY=//p' "$WORK/$name.out")
    grep -q "^$(echo "$url" | sed 's/.*:/.* listening on http:\/\/127.0.0.1:/')\$" "$WORK/$name.out" ||
      fail "$name: the exported URL $url is not the one listening"
    grep -q "^  secret key demo (test): $key\$" "$WORK/$name.out" ||
      fail "$name: the exported key is not its key"
  done

  # A port already in use: exit 1 and one prefix, the program's own.
  port=$(sed -n 's/^  export BLD_EVENTS_BASE_URL=http:\/\/127.0.0.1://p' "$WORK/cli.out")
  expect_code 1 "buildable emulator on a port in use" "$BLD" emulator --port "$port"
  expect_err "^buildable emulator: cannot listen on 127.0.0.1:$port (" "one prefix"
  [ "$(grep -o 'buildable' "$WORK/err" | wc -l)" -eq 1 ] || fail "two prefixes: $(cat "$WORK/err")"
  expect_code 1 "buildable-emulator on a port in use" "$EMU" --port "$port"
  expect_err "^buildable-emulator: cannot listen on 127.0.0.1:$port (" "one prefix"
  [ "$(grep -o 'buildable' "$WORK/err" | wc -l)" -eq 1 ] || fail "two prefixes: $(cat "$WORK/err")"
  stop cli
  stop emu
done

finish
