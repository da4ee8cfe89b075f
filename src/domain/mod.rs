//! Values that can only hold valid data ("parse, don't validate").
//!
//! These types compile for both the server and the browser, so the same rules give the
//! inline messages in a form and the final word on the server.

mod deployment;
mod email;
mod invalid;
mod organization_name;
mod password;
mod person_name;
pub mod time;
mod token;

pub use deployment::{AccessType, DeploymentName, Description, UpstreamUrl};
pub use email::Email;
pub use invalid::{Field, InvalidInput};
pub use organization_name::OrganizationName;
pub use password::{NewPassword, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
pub use person_name::PersonName;
pub use token::{Expiration, TokenName, TokenTypes};

/// Trims `raw` and checks it is 1..=`max` characters with no control characters.
/// Shared by the name-like types so they all answer the same way.
fn parse_display_name(raw: &str, field: Field, label: &str, max: usize) -> Result<String, InvalidInput> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InvalidInput::new(field, format!("{label} is required.")));
    }
    if trimmed.chars().count() > max {
        return Err(InvalidInput::new(field, format!("{label} must be at most {max} characters.")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(InvalidInput::new(field, format!("{label} must not contain control characters.")));
    }
    Ok(trimmed.to_owned())
}
