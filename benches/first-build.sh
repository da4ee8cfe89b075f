#!/usr/bin/env bash
# What a new machine pays for its first `make run`, and what a `make run` with nothing to do
# costs: a fresh clone of this checkout's HEAD built under a fresh HOME, so that nothing cargo,
# npm or the project cached is there (the crates are downloaded again, wasm-bindgen-cli and
# wasm-opt installed again, every dependency compiled, for the server and the WebAssembly).
# The Rust toolchain (rustup's, with its wasm32 target) and Debian's packages (Node) are what
# the machine already has. Each step is timed from make's own output.
# Not part of `make bench`: it takes half an hour on 2 cores, and it needs a quiet machine.
# Usage: benches/first-build.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
home="$(mktemp -d)"
server=""
trap '[[ -n "$server" ]] && kill -- -"$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$home"' EXIT
mkdir -p "$home/.cargo/bin"
# rustup's proxies (cargo, rustc, …) work from anywhere with RUSTUP_HOME pointing at the toolchains.
for tool in "${CARGO_HOME:-$HOME/.cargo}"/bin/*; do
  case "$(basename "$tool")" in cargo | rustc | rustup | rustdoc | cargo-clippy | cargo-fmt | rustfmt | clippy-driver) ln -s "$tool" "$home/.cargo/bin/" ;; esac
done
git clone -q "$root" "$home/bento-console"
fresh() { # fresh [VAR=value...] -- MAKE ARGS: make in the clone as a new machine runs it
  local vars=()
  while [[ "$1" != -- ]]; do vars+=("$1"); shift; done
  shift
  env -i HOME="$home" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" TERM=dumb "${vars[@]}" \
    PATH="$home/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    make -C "$home/bento-console" "$@"
}
clock() { date +%s.%N; }
# stamped FILE: each line of standard input into FILE, after the seconds since this started.
stamped() { local start; start="$(clock)"; while IFS= read -r line; do printf '%7s  %s\n' "$(seconds "$start" "$(clock)")" "$line"; done >"$1"; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

echo "## A first make run on a new machine ($(nproc) cores, $(git -C "$root" rev-parse --short HEAD))"
echo "| step | seconds |"
echo "| --- | ---: |"
start="$(clock)"
if ! fresh -- build-release 2>&1 | stamped "$home/first.log"; then tail -30 "$home/first.log"; exit 1; fi
echo "| first \`make build-release\` (what \`make run\` builds first), in all | $(seconds "$start" "$(clock)") |"
start="$(clock)"
fresh -- build-release >"$home/again.log" 2>&1
echo "| second \`make build-release\`, nothing changed | $(seconds "$start" "$(clock)") |"

# `make run` with nothing to build: from the command to the first answer of /healthz.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start="$(clock)"
# In a process group of its own, so that the server make started can be stopped with it.
setsid bash -c "$(declare -f fresh); home='$home'; fresh BENTO_CONSOLE_ADDR=127.0.0.1:$port -- -s run" >"$home/run.log" 2>&1 &
server=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do
  kill -0 $server 2>/dev/null || { cat "$home/run.log"; exit 1; }
  sleep 0.05
done
echo "| \`make run\`, nothing changed, until /healthz answers | $(seconds "$start" "$(clock)") |"
echo
echo "Where the first one went (seconds since it started, from make's log):"
echo '```'
grep -E '==> |Finished|Installed|Compiling bento-console|wasm-bindgen --target|wasm-opt -Oz|publish-bundle|cargo build' "$home/first.log" || true
echo '```'
