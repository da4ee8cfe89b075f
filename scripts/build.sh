#!/usr/bin/env bash
# Builds bento-console: the browser bundle (WebAssembly + JS glue, CSS, assets) into
# target/site, and the server binary. This is what `cargo leptos build` does for us, without
# needing cargo-leptos itself (a 15-20 minute install on a new machine); `cargo leptos watch`
# still works for development with the same Cargo.toml settings.
#
# The two halves build at the same time, so that neither waits for the other's stretches on
# one core (a crate's type checking, fat LTO for the WebAssembly, the last crate of
# wasm-bindgen-cli's install); on a new 2-core machine both cores are then busy for 89% of the
# first build (README.md, "The two commands"). The WebAssembly has a target dir of its own
# because cargo lets one build at a time into a target dir.
# Usage: scripts/build.sh [release]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}"
browser_target_dir="$target_dir/browser"
site="$root/target/site"
name=bento-console
release=""
[[ "${1:-}" == release ]] && release=1

# Checkouts that share a target dir (worktrees, CI caches) share cargo's fingerprints, which
# name sources relative to the package: after another checkout has built, cargo finds this
# one's older files fresh and hands back the other's wasm and binary. Make it look again when
# the last build here came from elsewhere.
last_checkout="$target_dir/.bento-console-checkout"
if [[ "$(cat "$last_checkout" 2>/dev/null)" != "$root" ]]; then
  touch "$root/src/lib.rs" "$root/src/main.rs"
fi
mkdir -p "$target_dir"
echo "$root" > "$last_checkout"

build_server() {
  cargo build --bin "$name" --features ssr ${release:+--release}
}

# The library compiled to wasm32 with `hydrate`, then wasm-bindgen and wasm-opt, then
# published into target/site.
build_browser() {
  scripts/install-tools.sh build ${release:+release}
  local profile=dev out=debug
  [[ -n "$release" ]] && profile=wasm-release out=wasm-release
  cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate \
    --profile "$profile" --target-dir "$browser_target_dir"
  local wasm="$browser_target_dir/wasm32-unknown-unknown/$out/bento_console.wasm"
  # wasm-bindgen's and wasm-opt's output, one directory per profile; they take seconds, so they
  # are skipped when the wasm has not changed.
  local stage="$root/target/bundle/$out"
  mkdir -p "$stage"
  local stamp="$stage/.built-from"
  if [[ ! -f "$stamp" || "$wasm" -nt "$stamp" || "$(cat "$stamp")" != "$wasm" ]]; then
    rm -rf "$stage" && mkdir -p "$stage"
    wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name "$name" "$wasm"
    # Leptos's hydration script asks for `<name>.wasm` when LEPTOS_OUTPUT_NAME is set at build time.
    mv "$stage/${name}_bg.wasm" "$stage/$name.wasm"
    if [[ -n "$release" ]]; then
      wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$stage/$name.wasm" -o "$stage/$name.wasm"
    fi
    echo "$wasm" > "$stamp"
  fi
  cp "$root/style/main.css" "$stage/$name.css"
  # Into target/site/pkg under hashed names (cached for a year by browsers) and plain ones, each
  # with brotli and gzip versions next to it, and the hash file the server reads.
  node "$root/scripts/publish-bundle.mjs" "$stage" "$site/pkg"
  cp -r "$root/public/." "$site/"
}

# The server's lines carry a prefix so the two logs can be told apart; a failed half stops the other.
build_server > >(sed -u 's/^/[server] /') 2>&1 &
server=$!
trap 'pkill -P "$server" 2>/dev/null; kill "$server" 2>/dev/null || true' EXIT
build_browser
wait "$server"
trap - EXIT
