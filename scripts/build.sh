#!/usr/bin/env bash
# Builds bento-console: the browser bundle (WebAssembly + JS glue, CSS, assets) into
# target/site, and the server binary. This is what `cargo leptos build` does for us, without
# needing cargo-leptos itself (a 15-20 minute install on a new machine); `cargo leptos watch`
# still works for development with the same Cargo.toml settings.
# Usage: scripts/build.sh [release]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/bento-console/target}"
site="$root/target/site"
name=bento-console

if [[ "${1:-}" == release ]]; then
  wasm_profile=(--profile wasm-release) wasm_dir=wasm-release server_profile=(--release)
else
  wasm_profile=() wasm_dir=debug server_profile=()
fi

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

# The browser half: the library compiled to wasm32 with `hydrate`.
cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate "${wasm_profile[@]}"
wasm="$target_dir/wasm32-unknown-unknown/$wasm_dir/bento_console.wasm"
# wasm-bindgen's and wasm-opt's output, one directory per profile; they take seconds, so they
# are skipped when the wasm has not changed.
stage="$root/target/bundle/$wasm_dir"
mkdir -p "$stage"
stamp="$stage/.built-from"
if [[ ! -f "$stamp" || "$wasm" -nt "$stamp" || "$(cat "$stamp")" != "$wasm" ]]; then
  rm -rf "$stage" && mkdir -p "$stage"
  wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name "$name" "$wasm"
  # Leptos's hydration script asks for `<name>.wasm` when LEPTOS_OUTPUT_NAME is set at build time.
  mv "$stage/${name}_bg.wasm" "$stage/$name.wasm"
  if [[ "${1:-}" == release ]]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$stage/$name.wasm" -o "$stage/$name.wasm"
  fi
  echo "$wasm" > "$stamp"
fi
cp "$root/style/main.css" "$stage/$name.css"
# Into target/site/pkg under hashed names (cached for a year by browsers) and plain ones, each
# with brotli and gzip versions next to it, and the hash file the server reads.
node "$root/scripts/publish-bundle.mjs" "$stage" "$site/pkg"
cp -r "$root/public/." "$site/"

# The server half.
cargo build --bin "$name" --features ssr "${server_profile[@]}"
