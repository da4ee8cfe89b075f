#!/usr/bin/env bash
# Installs what building and testing bento-console needs, skipping whatever is already there.
# Usage: scripts/install-tools.sh [build] [release] [browser] [e2e]
#   build    wasm32 target, wasm-bindgen-cli (the version in Cargo.lock), Node.js (hashes and
#            compresses the bundle: scripts/publish-bundle.mjs)
#   watch    cargo-leptos (pinned), only for `cargo leptos watch` during development
#   release  wasm-opt (npm binaryen) for optimized WebAssembly
#   browser  Debian's chromium for the end-to-end tests
#   e2e      the end-to-end tests' npm packages
#   bench    wrk and nginx (Debian packages) for make bench's load tests and peers
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${BENTO_CONSOLE_TOOLS_DIR:-$HOME/.cache/bento-console/tools}"

say() { printf '==> %s\n' "$*" >&2; }

# Debian packages: installed with apt when running as root, otherwise named for the user.
install_debian() { # install_debian "PACKAGE..." COMMAND...
  local packages="$1" missing=""; shift
  for command in "$@"; do command -v "$command" >/dev/null || missing=1; done
  [[ -z "$missing" ]] && return
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian's $packages"
    apt-get update -qq
    # shellcheck disable=SC2086 # a list of packages
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  else
    say "$* missing. Install it (Debian: sudo apt-get install $packages), then run make again."
    exit 1
  fi
}

install_build() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  # The CLI must match the wasm-bindgen library exactly, or the bundle breaks ("schema version").
  local wb_version
  wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
  if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]]; then
    say "installing wasm-bindgen-cli $wb_version (takes about 5 minutes once)"
    # Without --locked: a dependency version pinned by its lock file is missing from the registry.
    # In a temporary target dir, not the project's: cargo builds one thing at a time per target
    # dir, and scripts/build.sh compiles the server meanwhile. No default features: they are TLS
    # (rustls and ring) for the test runner's downloads, which nothing here uses; a minute of CPU.
    env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$wb_version" --no-default-features --force
  fi

  # scripts/publish-bundle.mjs: brotli and gzip come with Node's zlib.
  install_debian "nodejs npm" node npm
}

install_watch() {
  install_build
  if [[ "$(cargo leptos --version 2>/dev/null)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes 15-20 minutes once)"
    # no_downloads: take wasm-bindgen and wasm-opt from PATH; this machine cannot download them.
    env -u CARGO_TARGET_DIR cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
}

install_release() {
  if [[ ! -x "$tools_dir/node_modules/.bin/wasm-opt" ]] || ! cmp -s "$root/tools/package.json" "$tools_dir/package.json"; then
    say "installing wasm-opt (npm binaryen) into $tools_dir"
    mkdir -p "$tools_dir"
    cp "$root/tools/package.json" "$tools_dir/package.json"
    (cd "$tools_dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
}


install_bench() {
  install_debian wrk wrk
  install_debian nginx-light nginx
}

install_browser() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [[ -x "$chromium" ]] && return
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "Chromium is missing at $chromium. Install it (Debian: sudo apt-get install chromium)"
    say "or point CHROMIUM_PATH at a Chromium or Chrome binary, then run make test again."
    exit 1
  fi
}

install_e2e() {
  local stamp="$root/end2end/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$root/end2end/package-lock.json" -nt "$stamp" ]]; then
    say "installing end-to-end test packages"
    (cd "$root/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

for what in "$@"; do
  "install_$what"
done
