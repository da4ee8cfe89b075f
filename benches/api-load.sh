#!/usr/bin/env bash
# Load test of the Developer API: `GET /api/v1/auth/current` with a Developer token, with wrk
# (keep-alive, 32 connections, 2 threads) against a release build on a temporary database.
# Usage: benches/api-load.sh [seconds]   (part of make bench)
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
console_sign_in
token="$(console_token "name=bench&developer=on")"

curl -fsS -H "X-YATAI-API-TOKEN: $token" "$base/api/v1/auth/current" >/dev/null
wrk --latency -t2 -c32 -d"${seconds}s" -H "X-YATAI-API-TOKEN: $token" "$base/api/v1/auth/current"
