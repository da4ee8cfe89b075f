//! The services' one error type. Each adapter maps it to its own wire format: the console's
//! server functions to `api::AppError`, the REST API to `rest::RestError`, the command line to
//! a message. Variants other than `Unexpected` carry text that is safe to show the caller;
//! `Unexpected` is logged where it is answered (inside the request's span, so the log line
//! carries the request id) and reaches the caller only as a generic message.

use crate::domain::InvalidInput;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's input breaks a rule (a field and a message).
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The record the caller named does not exist (in their organization).
    #[error("{0}")]
    NotFound(&'static str),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("Incorrect email or password.")]
    BadCredentials,
    /// Too many attempts: seconds until the next may be made.
    #[error("Too many failed sign-in attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    /// Overloaded for a moment (password hashing queue full).
    #[error("The server is busy. Try again in a moment.")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<sqlx::Error> for ServiceError {
    fn from(err: sqlx::Error) -> Self {
        ServiceError::Unexpected(anyhow::Error::new(err).context("database query failed"))
    }
}

impl ServiceError {
    /// Logs an unexpected failure with its whole cause chain; adapters call this where they
    /// turn it into a generic 500, so the line carries the request's id.
    pub fn log_unexpected(err: &anyhow::Error) {
        tracing::error!(error = format!("{err:#}"), "unexpected failure");
    }

    /// For adapters that answer every error alike (the gateway): logs the cause when it is
    /// an unexpected failure.
    pub fn log_if_unexpected(self) {
        if let ServiceError::Unexpected(err) = &self {
            Self::log_unexpected(err);
        }
    }
}
