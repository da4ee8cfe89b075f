//! Server functions: the browser's API, one module per area, with the DTOs they exchange.

pub mod auth;
pub mod deployments;
mod error;
pub mod tokens;

pub use error::AppError;
