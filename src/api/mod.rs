//! Server functions: the browser's API, one module per area, with the DTOs they exchange.
//! Each function is a thin adapter: it reads its request context, parses its input, calls a
//! service in `server`, and turns the result into its DTO or an `AppError`.

pub mod activity;
pub mod auth;
pub mod cli_login;
#[cfg(feature = "ssr")]
pub mod context;
pub mod deployments;
mod error;
#[cfg(feature = "ssr")]
pub mod flash;
pub mod members;
#[cfg(feature = "ssr")]
pub mod reveal;
pub mod tokens;

pub use crate::domain::AppError;

/// What a change did, in a sentence for the page's status line ("Token ci-deployer deleted.").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice(pub String);

impl Notice {
    pub fn created(what: &str, name: &str) -> Self {
        Self(format!("{what} {name} created."))
    }

    pub fn saved(what: &str, name: &str) -> Self {
        Self(format!("{what} {name} saved."))
    }

    pub fn deleted(what: &str, name: &str) -> Self {
        Self(format!("{what} {name} deleted."))
    }
}
