#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: initdb in a temporary folder (as the
# unprivileged `postgres` user when run as root: PostgreSQL refuses to run as root), a server
# listening on 127.0.0.1 only, on a free port, then
#   BUILDABLE_TEST_POSTGRES=postgresql://buildable@127.0.0.1:PORT/postgres
#   BUILDABLE_TEST_POSTGRES_BIN=<the server's bin folder>
# in the command's environment. The cluster is removed afterwards, whatever the command did;
# the command's exit status is this script's.
#   tests/support/with_postgres.sh ctest -R conformance
# The cluster trades durability for speed (fsync off): it is for tests only.
set -euo pipefail

bin=""
if command -v pg_config >/dev/null; then bin=$(pg_config --bindir); fi
if [[ ! -x "$bin/initdb" ]]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
if [[ ! -x "$bin/initdb" ]]; then
  echo "with_postgres.sh: no PostgreSQL server found (scripts/install-deps.sh test installs it)" >&2
  exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/buildable-pg.XXXXXX")
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi
cleanup() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U buildable -A trust --encoding=UTF8 \
  --locale=C --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 2; }

started=0
for attempt in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 30000))
  if "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
       -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
       >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [[ $started -ne 1 ]]; then
  echo "with_postgres.sh: the server did not start:" >&2
  cat "$dir/server.log" >&2 || true
  exit 2
fi

export BUILDABLE_TEST_POSTGRES="postgresql://buildable@127.0.0.1:$port/postgres"
export BUILDABLE_TEST_POSTGRES_BIN="$bin"
export BUILDABLE_TEST_POSTGRES_DATA="$dir/data"
set +e
"$@"
status=$?
set -e
exit $status
