#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: installs Debian's `postgresql` when it is
# missing (as root; otherwise says what to install), initialises a cluster in a temporary
# directory as an unprivileged user (initdb refuses root), starts it on a free loopback port,
# exports its URL, runs the command, and stops and removes the cluster whatever happens.
#
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
# The command sees BENTO_CONSOLE_TEST_POSTGRES=postgres://bento@127.0.0.1:<port> (no database
# name: tests create one database each) and PGHOST/PGPORT/PGUSER for psql.
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

if ! bin="$(bindir)"; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian's postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin="$(bindir)"
  else
    say "PostgreSQL is missing. Install it (Debian: sudo apt-get install postgresql), then run again."
    exit 1
  fi
fi

# As root, the cluster belongs to an unprivileged user: the package's `postgres` account, or
# `nobody` when there is none.
as_owner=()
if [[ "$(id -u)" == 0 ]]; then
  owner=postgres
  id "$owner" >/dev/null 2>&1 || owner=nobody
  as_owner=(runuser -u "$owner" --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/bento-console-pg.XXXXXX")"
[[ ${#as_owner[@]} -gt 0 ]] && chown "$owner" "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U bento -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Durability is not wanted from a throwaway test server: skip fsync to keep the suite fast.
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export BENTO_CONSOLE_TEST_POSTGRES="postgres://bento@127.0.0.1:$port"
export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=bento
"$@"
