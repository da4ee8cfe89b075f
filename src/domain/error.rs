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
    /// Several fields break their rules: each message goes next to its field.
    #[error("{}", .0.first().map(|invalid| invalid.message.as_str()).unwrap_or_default())]
    InvalidFields(Vec<InvalidInput>),
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
            AppError::InvalidFields(all) => all.iter().find(|i| i.field == field).map(|i| i.message.clone()),
            _ => None,
        }
    }

    /// One error for every field in `invalid` (none: `None`).
    pub fn from_fields(mut invalid: Vec<InvalidInput>) -> Option<Self> {
        match invalid.len() {
            0 => None,
            1 => invalid.pop().map(AppError::Invalid),
            _ => Some(AppError::InvalidFields(invalid)),
        }
    }

    /// The message for errors that are not about one field (shown above the form).
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Invalid(_) | AppError::InvalidFields(_) => None,
            other => Some(other.to_string()),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) | AppError::InvalidFields(_) => 422,
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

/// Every part of a form parsed at once, so that each broken field gets its message in one
/// answer: `(TokenName::parse(a), Description::parse(b)).all_valid()?`.
pub trait AllValid {
    type Valid;
    fn all_valid(self) -> Result<Self::Valid, AppError>;
}

macro_rules! all_valid {
    ($($value:ident: $t:ident),+) => {
        impl<$($t),+> AllValid for ($(Result<$t, InvalidInput>,)+) {
            type Valid = ($($t,)+);

            fn all_valid(self) -> Result<Self::Valid, AppError> {
                match self {
                    ($(Ok($value),)+) => Ok(($($value,)+)),
                    ($($value,)+) => {
                        let invalid = [$($value.err()),+].into_iter().flatten().collect();
                        Err(AppError::from_fields(invalid).unwrap_or(AppError::Internal))
                    }
                }
            }
        }
    };
}

all_valid!(a: A, b: B);
all_valid!(a: A, b: B, c: C);
all_valid!(a: A, b: B, c: C, d: D);
all_valid!(a: A, b: B, c: C, d: D, e: E);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_broken_field_is_reported_once() {
        let bad = |field, message: &str| Err::<(), _>(InvalidInput::new(field, message));
        assert_eq!((Ok::<_, InvalidInput>(1), Ok::<_, InvalidInput>("x")).all_valid(), Ok((1, "x")));
        let one = (Ok::<_, InvalidInput>(1), bad(Field::Name, "name")).all_valid().unwrap_err();
        assert_eq!(one, AppError::Invalid(InvalidInput::new(Field::Name, "name")));
        let two =
            (bad(Field::Name, "name"), Ok::<_, InvalidInput>(2), bad(Field::Email, "email")).all_valid().unwrap_err();
        assert_eq!(two.for_field(Field::Name).as_deref(), Some("name"));
        assert_eq!(two.for_field(Field::Email).as_deref(), Some("email"));
        assert_eq!(two.for_field(Field::Password), None);
        assert_eq!(two.status(), 422);
        assert_eq!(two.form_message(), None);
    }
}
