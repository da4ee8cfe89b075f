//! The errors the console answers with, each with a message safe to show to the person using
//! it: returned by the server functions (`api`), shown by the pages, and sent by the server's
//! request guard (`server::guard`), which is why they live below all three.

use serde::{Deserialize, Serialize};

use super::{Field, InvalidInput};

/// Every error a server function can return. Each message is safe to show to the user:
/// unexpected failures are logged on the server and reach the browser only as `Internal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(InvalidInput),
    #[error("Incorrect email or password.")]
    BadCredentials,
    #[error("Too many failed sign-in attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    #[error("You are not signed in, or your session has expired. Sign in again.")]
    Unauthorized,
    #[error("This request came from another site and was refused.")]
    CrossSite,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("The server is busy. Try again in a moment.")]
    Busy,
    /// The request itself could not be carried out (network, bad encoding).
    #[error("The request failed: {0}")]
    Request(String),
}

impl AppError {
    /// The message for `field`, when this error is about that form field.
    pub fn for_field(&self, field: Field) -> Option<String> {
        match self {
            AppError::Invalid(invalid) if invalid.field == field => Some(invalid.message.clone()),
            _ => None,
        }
    }

    /// The message for errors that are not about one field (shown above the form).
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Invalid(_) => None,
            other => Some(other.to_string()),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::BadCredentials | AppError::Unauthorized => 401,
            AppError::RateLimited(_) => 429,
            AppError::CrossSite | AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Internal => 500,
            AppError::Busy => 503,
            AppError::Request(_) => 400,
        }
    }
}

impl From<InvalidInput> for AppError {
    fn from(invalid: InvalidInput) -> Self {
        AppError::Invalid(invalid)
    }
}
