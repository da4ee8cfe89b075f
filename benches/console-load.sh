#!/usr/bin/env bash
# The console under load, each figure beside its peer from the same run (release build, SQLite,
# wrk with keep-alive on the same 2 cores as the console):
#   - /healthz, which answers after one database round trip: the peer of the rows below,
#   - the Developer API's GET /api/v1/auth/current with a Developer token (32 connections),
#   - the signed-in /api_tokens with 1,000 tokens (16 connections, then 1),
#   - resident memory: just started, idle with the 1,000 tokens, and the peak under that load.
# Usage: benches/console-load.sh [seconds]   (part of make bench)
set -euo pipefail

seconds="${1:-10}"
bin="${BENTO_CONSOLE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}/release/bento-console}"
work="$(mktemp -d)"
source "$(dirname "$0")/../scripts/lib/console.sh"
require wrk
trap 'console_stop; rm -rf "$work"' EXIT

port="$(free_port)"
console_admin bench@example.com bench
console_start "http://127.0.0.1:$port" --addr "127.0.0.1:$port"
started_rss="$(rss_mb "$console_pid")"
console_sign_in
developer="$(console_token "name=bench-developer&developer=on")"
for i in $(seq 999); do
  console_rpc create_api_token "name=filler-$i&description=&developer=on&expiration=never&confirm_never=on" >/dev/null
done
cookie="bento_console_session=$(awk '$6 == "bento_console_session" {print $7}' "$work/cookies")"
curl -fsS -o /dev/null -H "Cookie: $cookie" "$base/api_tokens"
curl -fsS -o /dev/null -H "X-YATAI-API-TOKEN: $developer" "$base/api/v1/auth/current"
sleep 2
idle_rss="$(rss_mb "$console_pid")"

row() { # row LABEL CONNECTIONS URL [wrk args...]
  local label="$1" connections="$2" url="$3"; shift 3
  read -r rps p50 p99 bad < <(wrk_measure "$connections" "$seconds" "$url" "$@")
  printf '| %-44s | %3d | %8s | %8s ms | %8s ms |%s\n' "$label" "$connections" "$rps" "$p50" "$p99" \
    "$( ((bad)) && echo " $bad NOT 2xx" )"
}

echo "## The console under load ($seconds s each, SQLite, 1,000 tokens)"
echo "| request | connections | requests/s | p50 | p99 |"
echo "| --- | ---: | ---: | ---: | ---: |"
row "/healthz (peer: one database round trip)" 32 "$base/healthz"
row "GET /api/v1/auth/current, Developer token" 32 "$base/api/v1/auth/current" -H "X-YATAI-API-TOKEN: $developer"
row "/healthz (peer)" 16 "$base/healthz"
row "/api_tokens, signed in, 1,000 tokens" 16 "$base/api_tokens" -H "Cookie: $cookie"
row "/api_tokens, signed in, 1,000 tokens" 1 "$base/api_tokens" -H "Cookie: $cookie"
echo
echo "resident memory: ${started_rss} MB just started, ${idle_rss} MB idle with 1,000 tokens," \
  "peak $(rss_mb "$console_pid" VmHWM) MB (after the loads above)"
