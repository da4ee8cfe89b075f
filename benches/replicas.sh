#!/usr/bin/env bash
# Scale-out on PostgreSQL, in one run on this machine (release build; wrk, nginx, PostgreSQL and
# the replicas all share the machine's 2 cores):
#   1. gateway throughput and p99 through nginx as the load balancer, in front of one replica
#      and in front of two (round robin, upstream keep-alive), User token, 32 connections;
#   2. revocation propagation: a token cached by replica B is deleted on replica A, and B is
#      polled until it refuses the token; the time from A's answer to B's first 401, over
#      1,000 revocations (benches/revocation.py).
# Usage: scripts/with-postgres.sh benches/replicas.sh [seconds] [revocations]
set -euo pipefail

seconds="${1:-10}"
revocations="${2:-1000}"
bin="${BENTO_CONSOLE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}/release/bento-console}"
: "${BENTO_CONSOLE_TEST_POSTGRES:?run this through scripts/with-postgres.sh}"
work="$(mktemp -d)"
source "$(dirname "$0")/../scripts/lib/console.sh"
require wrk nginx
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

createdb bench_replicas
export DATABASE_URL="$BENTO_CONSOLE_TEST_POSTGRES/bench_replicas"
export BENTO_CONSOLE_SECRET_KEY="$(head -c 48 /dev/urandom | base64)"
upstream_port="$(free_port)"; a_port="$(free_port)"; b_port="$(free_port)"; one_port="$(free_port)"; two_port="$(free_port)"

mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream one { server 127.0.0.1:$a_port; keepalive 64; }
  upstream two { server 127.0.0.1:$a_port; server 127.0.0.1:$b_port; keepalive 64; }
  server { listen 127.0.0.1:$upstream_port; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:$one_port; location / { proxy_pass http://one; proxy_http_version 1.1;
           proxy_set_header Connection ""; proxy_set_header Host \$http_host; } }
  server { listen 127.0.0.1:$two_port; location / { proxy_pass http://two; proxy_http_version 1.1;
           proxy_set_header Connection ""; proxy_set_header Host \$http_host; } }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)

console_admin bench@example.com bench
"$bin" deployment create --name fast --upstream "http://127.0.0.1:$upstream_port" --access protected >/dev/null
for port in "$a_port" "$b_port"; do
  console_start "http://127.0.0.1:$port" --addr "127.0.0.1:$port" --trusted-proxy 127.0.0.1
  pids+=("$console_pid")
done
base="http://127.0.0.1:$a_port"
console_sign_in
token="$(console_token "name=bench&user=on&deployment_ids[]=1")"

echo "## gateway through nginx, User token, 32 connections"
for lb in "one replica:$one_port" "two replicas:$two_port"; do
  port="${lb##*:}"
  host="fast.bench.apps.localhost:$port"
  curl -fsS -o /dev/null -H "Host: $host" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/"
  printf '%-14s' "${lb%%:*}"
  wrk --latency -t2 -c32 -d"${seconds}s" -H "Host: $host" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/" |
    awk '/Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx/ {bad=$NF}
         END {printf "%10s req/s   p50 %-9s p99 %-9s%s\n", rps, p50, p99, (bad ? "  NON-2XX: " bad : "")}'
done

echo "## revocation propagation, A to B"
python3 "$(dirname "$0")/revocation.py" "http://127.0.0.1:$a_port" "http://127.0.0.1:$b_port" \
  "$work/cookies" "$revocations"
