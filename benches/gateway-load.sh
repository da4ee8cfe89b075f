#!/usr/bin/env bash
# Gateway throughput and latency against nginx, in one run on this machine, with wrk
# (2 threads and 32 keep-alive connections for throughput, then 1 connection for latency;
# 10 s each):
#   1. straight to a fast upstream (nginx `return 200`),
#   2. through nginx accepting one static bearer token (`map` on $http_authorization,
#      `proxy_pass` with upstream keep-alive),
#   3. through this gateway: a Protected deployment and a database-backed User token.
# Usage: benches/gateway-load.sh [seconds]   (part of make bench)
set -euo pipefail

seconds="${1:-10}"
bin="${BENTO_CONSOLE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}/release/bento-console}"
work="$(mktemp -d)"
source "$(dirname "$0")/../scripts/lib/console.sh"
require wrk nginx
nginx_pid=""
trap 'console_stop; kill $nginx_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
upstream_port="$(free_port)"; nginx_port="$(free_port)"; console_port="$(free_port)"
static_token="bcst_static$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  map_hash_bucket_size 128;
  map \$http_authorization \$bearer_ok { "Bearer $static_token" 1; default 0; }
  upstream fast { server 127.0.0.1:$upstream_port; keepalive 64; }
  server { listen 127.0.0.1:$upstream_port; location / { return 200 "ok\n"; } }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      if (\$bearer_ok = 0) { return 401; }
      proxy_pass http://fast;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
    }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

console_admin bench@example.com bench
"$bin" deployment create --name fast --upstream "http://127.0.0.1:$upstream_port" --access protected >/dev/null
console_start "http://127.0.0.1:$console_port" --addr "127.0.0.1:$console_port"
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$upstream_port/" >/dev/null && break; sleep 0.1; done
console_sign_in
token="$(console_token "name=bench&user=on&deployment_ids[]=1")"
host="fast.bench.apps.localhost:$console_port"

# Each must answer 200 before it is measured.
curl -fsS -o /dev/null "http://127.0.0.1:$upstream_port/"
curl -fsS -o /dev/null -H "Authorization: Bearer $static_token" "http://127.0.0.1:$nginx_port/"
curl -fsS -o /dev/null -H "Host: $host" -H "Authorization: Bearer $token" "$base/"

run() { # run CONNECTIONS LABEL URL [HEADERS...]
  local connections="$1" label="$2" url="$3"; shift 3
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  echo "== $label"
  wrk --latency -t"$((connections < 2 ? 1 : 2))" -c"$connections" -d"${seconds}s" "${args[@]}" "$url" |
    grep -E "Requests/sec|^ +(50|99)%|Non-2xx"
}
each() { # each CONNECTIONS
  run "$1" "direct to the upstream" "http://127.0.0.1:$upstream_port/"
  run "$1" "nginx, static bearer token" "http://127.0.0.1:$nginx_port/" "Authorization: Bearer $static_token"
  run "$1" "bento-console gateway, User token" "$base/" "Host: $host" "Authorization: Bearer $token"
}
echo "### throughput: 32 connections (the machine's CPUs are shared by wrk, nginx and the proxy)"
each 32
# Under saturation p50 is mostly queueing; one connection at a time shows what a hop adds.
echo "### latency: 1 connection"
each 1
