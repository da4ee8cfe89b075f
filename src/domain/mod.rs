//! Values that can only hold valid data ("parse, don't validate").
//!
//! These types compile for both the server and the browser, so the same rules give the
//! inline messages in a form and the final word on the server.
//!
//! [`AppError`], the errors people are shown, lives here too: the server functions return
//! it, the pages show it, and the server's request guard answers with it.

mod deployment;
mod email;
mod error;
mod event;
mod flash;
mod ids;
mod invalid;
mod organization_name;
mod password;
mod person_name;
mod role;
pub mod time;
mod token;

pub use deployment::{AccessType, DeploymentName, Description, UpstreamUrl};
pub use email::Email;
pub use error::{AllValid, AppError};
pub use event::EventKind;
pub use flash::FormFlash;
pub use ids::{DeploymentId, OrganizationId, TokenId, UserId};
pub use invalid::{Field, InvalidInput};
pub use organization_name::OrganizationName;
pub use password::{NewPassword, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
pub use person_name::PersonName;
pub use role::{Permission, Role};
pub use token::{Expiration, Grants, TokenName, TokenTypes};

/// Trims `raw` and checks it is 1..=`max` characters, with at least one visible character and
/// no control or bidirectional-control characters. Shared by the name-like types so they all
/// answer the same way.
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
    refuse_bidi_controls(trimmed, field, label)?;
    if trimmed.chars().all(is_invisible) {
        return Err(InvalidInput::new(field, format!("{label} must contain at least one visible character.")));
    }
    Ok(trimmed.to_owned())
}

/// Characters that change the direction of the text around them (U+202A–U+202E, U+2066–U+2069,
/// and the marks U+200E, U+200F, U+061C) can make a name read as something else ("Trojan
/// Source"), so stored text may not contain them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn refuse_bidi_controls(text: &str, field: Field, label: &str) -> Result<(), InvalidInput> {
    if text.chars().any(is_bidi_control) {
        return Err(InvalidInput::new(field, format!("{label} must not contain text-direction control characters.")));
    }
    Ok(())
}

/// Whitespace, and the format characters that render as nothing: zero-width spaces and
/// joiners, word joiners and invisible operators, variation selectors, fillers, tags.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}' | '\u{FFA0}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_need_a_visible_character_and_no_direction_controls() {
        let parse = |raw: &str| parse_display_name(raw, Field::Name, "Name", 64);
        for invisible in ["\u{200B}", "\u{200B}\u{200C} \u{FEFF}", "\u{3164}", "\u{2060}"] {
            assert!(parse(invisible).unwrap_err().message.contains("visible"), "{invisible:?}");
        }
        for spoof in ["invoice\u{202E}gpj.exe", "\u{2066}admin\u{2069}", "a\u{200F}b"] {
            assert!(parse(spoof).unwrap_err().message.contains("direction"), "{spoof:?}");
        }
        for fine in ["CI deploy", "Ünïcödé", "日本語", "emoji 🚀", "a\u{200D}b"] {
            assert_eq!(parse(fine).unwrap(), fine);
        }
    }
}
