#!/usr/bin/env bash
# The same workload on SQLite and on PostgreSQL, in one run on this machine (release build,
# wrk on loopback; the machine's 2 cores are shared by wrk, the console and the database):
#   - the gateway: a Protected deployment called with a User token (32 connections),
#   - the API Tokens page with 1,000 tokens, signed in (16 connections),
#   - creating tokens through the console's server function (4 connections),
#   - the Developer API's `GET /api/v1/auth/current` (32 connections).
# Needs a PostgreSQL server: run it through scripts/with-postgres.sh (make bench does).
# Usage: scripts/with-postgres.sh benches/engines.sh [seconds]
set -euo pipefail

seconds="${1:-10}"
bin="${BENTO_CONSOLE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}/release/bento-console}"
: "${BENTO_CONSOLE_TEST_POSTGRES:?run this through scripts/with-postgres.sh}"
work="$(mktemp -d)"
source "$(dirname "$0")/../scripts/lib/console.sh"
require wrk nginx
nginx_pid=""
trap 'console_stop; kill $nginx_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# A fast upstream for the gateway: nginx answering 200.
upstream_port="$(free_port)"
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$upstream_port; location / { return 200 "ok\n"; } } }
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

# Unique names across wrk's threads (each has its own Lua state) and runs.
cat >"$work/create.lua" <<'LUA'
local threads = 0
function setup(thread)
  thread:set("id", threads .. "-" .. os.time())
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  local body = "name=bench-" .. id .. "-" .. n .. "&description=&developer=on&expiration=never&confirm_never=on"
  return wrk.format("POST", "/rpc/create_api_token", nil, body)
end
LUA

wrk_run() { # wrk_run LABEL CONNECTIONS URL [wrk args...]
  local label="$1" connections="$2" url="$3"; shift 3
  printf '%-34s' "$label"
  wrk --latency -t"$((connections < 2 ? 1 : 2))" -c"$connections" -d"${seconds}s" "$@" "$url" |
    awk '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx/ {bad=$NF}
         END {printf "%10s req/s   p50 %-9s p99 %-9s%s\n", rps, p50, p99, (bad ? "  NON-2XX: " bad : "")}'
}

measure() { # measure ENGINE DATABASE_URL
  export DATABASE_URL="$2"
  rm -f "$work/cookies"
  local port; port="$(free_port)"
  console_admin bench@example.com bench
  "$bin" deployment create --name fast --upstream "http://127.0.0.1:$upstream_port" --access protected >/dev/null
  console_start "http://127.0.0.1:$port" --addr "127.0.0.1:$port"
  console_sign_in
  local user developer
  user="$(console_token "name=bench-user&user=on&deployment_ids[]=1")"
  developer="$(console_token "name=bench-developer&developer=on")"
  for i in $(seq 998); do console_rpc create_api_token "name=filler-$i&description=&developer=on&expiration=never&confirm_never=on" >/dev/null; done
  local cookie host
  cookie="bento_console_session=$(awk '$6 == "bento_console_session" {print $7}' "$work/cookies")"
  host="fast.bench.apps.localhost:$port"
  curl -fsS -o /dev/null -H "Host: $host" -H "Authorization: Bearer $user" "$base/"
  curl -fsS -o /dev/null -H "Cookie: $cookie" "$base/api_tokens"

  echo "## $1"
  wrk_run "gateway, User token (32 conn)" 32 "$base/" -H "Host: $host" -H "Authorization: Bearer $user"
  wrk_run "/api_tokens, 1,000 tokens (16 conn)" 16 "$base/api_tokens" -H "Cookie: $cookie"
  wrk_run "auth/current (32 conn)" 32 "$base/api/v1/auth/current" -H "X-YATAI-API-TOKEN: $developer"
  wrk_run "create a token (4 conn)" 4 "$base/" -s "$work/create.lua" -H "Cookie: $cookie" -H "Origin: $base" \
    -H "Accept: application/json" -H "Content-Type: application/x-www-form-urlencoded"
  console_stop
}

measure SQLite "sqlite://$work/console.db"
createdb bench_engines
measure PostgreSQL "$BENTO_CONSOLE_TEST_POSTGRES/bench_engines"
