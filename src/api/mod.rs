//! Server functions: the browser's API, one module per area, with the DTOs they exchange.
//! Each function is a thin adapter: it reads its request context, parses its input, calls a
//! service in `server`, and turns the result into its DTO or an `AppError`.

pub mod auth;
pub mod cli_login;
#[cfg(feature = "ssr")]
pub mod context;
pub mod deployments;
mod error;
#[cfg(feature = "ssr")]
pub mod reveal;
pub mod tokens;

pub use error::AppError;
