//! bento-console: a self-hosted console for API tokens and model deployments.
//!
//! The crate compiles twice: with `ssr` into the server binary, and with `hydrate` into the
//! WebAssembly bundle that makes the server-rendered pages interactive.

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
