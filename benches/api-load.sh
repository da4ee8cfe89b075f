#!/usr/bin/env bash
# Load test of the Developer API: `GET /api/v1/auth/current` with a Developer token, with wrk
# (keep-alive, 32 connections, 2 threads) against a release build on a temporary database.
# Usage: benches/api-load.sh [seconds]   (make bench-api)
set -euo pipefail

seconds="${1:-10}"
bin="${BENTO_CONSOLE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}/release/bento-console}"
command -v wrk >/dev/null || { echo "wrk is missing (Debian: apt-get install wrk)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$work"' EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/console.db" RUST_LOG=warn
echo "correct horse battery" | "$bin" user create --email bench@example.com --name Bench --admin --organization bench >/dev/null
"$bin" serve --addr "127.0.0.1:$port" &
server_pid=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
rpc() { curl -fsS -b "$work/cookies" -c "$work/cookies" -H "Origin: $base" -H "Accept: application/json" --data "$2" "$base/rpc/$1"; }
rpc login "email=bench@example.com&password=correct+horse+battery" >/dev/null
token="$(rpc create_api_token "name=bench&description=&developer=on&expiration=never" | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

curl -fsS -H "X-YATAI-API-TOKEN: $token" "$base/api/v1/auth/current" >/dev/null
wrk --latency -t2 -c32 -d"${seconds}s" -H "X-YATAI-API-TOKEN: $token" "$base/api/v1/auth/current"
