//! Turning unexpected failures into the one generic message users see.

use crate::api::AppError;

/// Logs the full cause chain of an unexpected failure and answers with the generic
/// `Internal` error; no database or library text ever reaches the client.
pub fn internal(err: impl Into<anyhow::Error>) -> AppError {
    let err = err.into();
    tracing::error!(error = format!("{err:#}"), "unexpected failure");
    AppError::Internal
}
