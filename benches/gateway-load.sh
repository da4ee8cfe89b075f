#!/usr/bin/env bash
# Gateway throughput and latency against nginx, in one run on this machine, with wrk
# (2 threads and 32 keep-alive connections for throughput, three rounds taking turns, then 1
# connection for latency; each run lasts `seconds`):
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

gateway=(-H "Host: $host" -H "Authorization: Bearer $token")
nginx=(-H "Authorization: Bearer $static_token")

# Throughput: nginx and the gateway take turns, three rounds, so that both see the same
# machine; the median round is the figure.
echo "## The gateway against nginx with the same number of workers ($(nproc)), 32 connections, $seconds s each"
echo "| round | direct req/s | nginx req/s | nginx p99 | gateway req/s | gateway p99 | gateway / nginx |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
ratios=()
for round in 1 2 3; do
  read -r direct _ _ _ < <(wrk_measure 32 "$seconds" "http://127.0.0.1:$upstream_port/")
  read -r n_rps _ n_p99 n_bad < <(wrk_measure 32 "$seconds" "http://127.0.0.1:$nginx_port/" "${nginx[@]}")
  read -r g_rps _ g_p99 g_bad < <(wrk_measure 32 "$seconds" "$base/" "${gateway[@]}")
  ((n_bad + g_bad)) && echo "NOT 2xx: nginx $n_bad, gateway $g_bad" >&2 && exit 1
  ratio="$(awk -v g="$g_rps" -v n="$n_rps" 'BEGIN {printf "%.2f", g / n}')"
  ratios+=("$ratio")
  echo "| $round | $direct | $n_rps | $n_p99 ms | $g_rps | $g_p99 ms | ${ratio}× |"
done
echo "median gateway / nginx: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n 2p)×"

# Under saturation p50 is mostly queueing; one connection at a time shows what a hop adds.
echo
echo "## One connection ($seconds s each): what a hop adds"
echo "| path | p50 | p99 | p50 added over direct |"
echo "| --- | ---: | ---: | ---: |"
read -r _ d_p50 d_p99 _ < <(wrk_measure 1 "$seconds" "http://127.0.0.1:$upstream_port/")
echo "| direct to the upstream | $d_p50 ms | $d_p99 ms | |"
for path in nginx gateway; do
  if [[ $path == nginx ]]; then url="http://127.0.0.1:$nginx_port/" args=("${nginx[@]}"); else url="$base/" args=("${gateway[@]}"); fi
  read -r _ p50 p99 _ < <(wrk_measure 1 "$seconds" "$url" "${args[@]}")
  echo "| $path | $p50 ms | $p99 ms | $(awk -v a="$p50" -v d="$d_p50" 'BEGIN {printf "%.0f µs", (a - d) * 1000}') |"
done
