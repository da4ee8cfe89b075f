use serde::{Deserialize, Serialize};

/// The form field an [`InvalidInput`] belongs to, so a form can show the message next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    Password,
    PasswordConfirmation,
    Name,
    OrganizationName,
    Description,
    UpstreamUrl,
    AccessType,
    TokenTypes,
    /// A REST client's `scopes` (BentoCloud's name for what a token may do).
    Scopes,
    Deployments,
    Expiration,
    Role,
    /// An invitation's one-time code.
    Code,
    /// A record the form refers to (by id) that does not exist.
    Record,
}

/// A value the user typed that breaks a rule; `message` is safe to show to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    pub field: Field,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}
