//! How server functions produce and carry [`AppError`] (defined in `domain`, which the
//! server's guard also answers with): from the services' error, and through Leptos's
//! server-function encoding.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

use super::AppError;

#[cfg(feature = "ssr")]
impl AppError {
    /// A failure on our side: logged with its cause chain (inside the request's span, so the
    /// line carries the request id), answered with the generic message.
    pub fn unexpected(err: impl Into<anyhow::Error>) -> Self {
        crate::server::error::ServiceError::log_unexpected(&err.into());
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::error::ServiceError> for AppError {
    fn from(err: crate::server::error::ServiceError) -> Self {
        use crate::server::error::ServiceError;
        match err {
            ServiceError::Invalid(invalid) => AppError::Invalid(invalid),
            ServiceError::NotFound(message) => AppError::NotFound(message.into()),
            ServiceError::Forbidden(message) => AppError::Forbidden(message),
            ServiceError::BadCredentials => AppError::BadCredentials,
            ServiceError::RateLimited(seconds) => AppError::RateLimited(seconds),
            ServiceError::Busy => AppError::Busy,
            ServiceError::Unexpected(err) => AppError::unexpected(err),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}
