#!/bin/sh
# A refused secret key ends `listen` and `emit` with exit 4 at once; --retry-auth keeps them
# retrying (for a key being rotated in) until --timeout (124). Usage: cli_auth_test.sh BUILDABLE
set -u
BLD=${1:?usage: cli_auth_test.sh path/to/buildable}
. "$(dirname "$0")/cli_lib.sh"

start_emulator
WRONG=sk_test_not_a_key_of_this_emulator

# No --timeout: before, a listen with a wrong secret retried forever. `timeout 30` only
# guards this script (its own 124 would fail the check).
expect_code 4 "listen with a wrong secret" timeout 30 "$BLD" listen cli.auth --secret "$WRONG"
expect_err '^buildable listen: poll error: Buildable answered HTTP 401' "the 401 is reported"
expect_err '^buildable listen: the service refused the secret key; stopping (--retry-auth keeps retrying)$' \
  "listen says why it stopped"
expect_code 4 "listen with a wrong secret from the environment" \
  env BUILDABLE_SECRET_KEY="$WRONG" timeout 30 "$BLD" listen cli.auth --count 1
expect_code 4 "emit with a wrong secret" timeout 30 "$BLD" emit cli.auth --secret "$WRONG"
expect_err '^buildable emit: Buildable answered HTTP 401' "emit reports the 401"

# The SDK reports the first failure of a streak; --verbose traces every poll.
expect_code 124 "listen --retry-auth keeps retrying until --timeout" \
  "$BLD" listen cli.auth --secret "$WRONG" --retry-auth --timeout 1.5 --poll-interval 100 --verbose
[ "$(grep -c 'debug: POST /query: HTTP 401' "$WORK/err")" -ge 2 ] ||
  fail "listen --retry-auth did not retry: $(cat "$WORK/err")"
expect_code 124 "emit --retry-auth keeps retrying until --timeout" \
  "$BLD" emit cli.auth --secret "$WRONG" --retry-auth --timeout 3.2
expect_err 'HTTP 401.*; retrying in 1000 ms (--retry-auth)$' "emit --retry-auth waits 1 s first"
expect_err 'HTTP 401.*; retrying in 2000 ms (--retry-auth)$' "then twice as long"
expect_err 'HTTP 401.*; --timeout expired while retrying$' "emit --retry-auth gives up at --timeout"
[ -s "$WORK/out" ] && fail "emit --retry-auth printed a key: $(cat "$WORK/out")"

# With a valid key --retry-auth changes nothing.
expect_code 0 "emit --retry-auth with a valid key" "$BLD" emit cli.auth --retry-auth '{"n":1}'
expect_code 0 "listen --retry-auth with a valid key" "$BLD" listen cli.auth --retry-auth \
  --since all --count 1 --timeout 10 --poll-interval 100

finish
