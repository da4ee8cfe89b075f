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
mkdir -p "$site/pkg"
stamp="$site/pkg/.built-from"
# wasm-bindgen and wasm-opt take seconds: skip them when the wasm has not changed.
if [[ ! -f "$stamp" || "$wasm" -nt "$stamp" || "$(cat "$stamp")" != "$wasm" ]]; then
  wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name "$name" "$wasm"
  # Leptos's hydration script asks for `<name>.wasm` when LEPTOS_OUTPUT_NAME is set at build time.
  mv "$site/pkg/${name}_bg.wasm" "$site/pkg/$name.wasm"
  if [[ "${1:-}" == release ]]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$site/pkg/$name.wasm" -o "$site/pkg/$name.wasm"
  fi
  echo "$wasm" > "$stamp"
fi
cp "$root/style/main.css" "$site/pkg/$name.css"
cp -r "$root/public/." "$site/"

# The server half.
cargo build --bin "$name" --features ssr "${server_profile[@]}"
