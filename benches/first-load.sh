#!/usr/bin/env bash
# What the signed-in /api_tokens costs on the wire in Chromium: a first load with a cold cache
# (every response's transferred bytes, headers included, by resource type), then a second load
# in the same browser context and what it fetched. Starts the release build on a fresh
# database with a deployment and a few tokens; the browser part is benches/first-load.mjs.
# Usage: benches/first-load.sh [tokens]   (part of make bench)
#   BENTO_CONSOLE_BIN  the binary (default: the release build)
#   LEPTOS_SITE_ROOT   the built site it serves (default: target/site of this clone)
#   CHROMIUM_PATH      the browser (default: Debian's /usr/bin/chromium)
set -euo pipefail

tokens="${1:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BENTO_CONSOLE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}/release/bento-console}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
work="$(mktemp -d)"
source "$root/scripts/lib/console.sh"
trap 'console_stop; rm -rf "$work"' EXIT

port="$(free_port)"
console_admin bench@example.com bench
"$bin" deployment create --name summarize --upstream http://127.0.0.1:9 --access protected >/dev/null
console_start "http://127.0.0.1:$port" --addr "127.0.0.1:$port"
console_sign_in
for i in $(seq "$tokens"); do
  if ((i % 2)); then form="name=developer-$i&developer=on"; else form="name=user-$i&user=on&deployment_ids[]=1"; fi
  console_token "$form" >/dev/null
done
session="$(awk '$6 == "bento_console_session" {print $7}' "$work/cookies")"

echo "## First load of /api_tokens, signed in, $tokens tokens ($bin, site $LEPTOS_SITE_ROOT)"
node "$root/benches/first-load.mjs" "$base" "$session"
