use super::{Field, InvalidInput};
use serde::{Deserialize, Serialize};

/// An email address, trimmed and lower-cased so that lookups and uniqueness ignore case.
///
/// The check is deliberately shallow (one `@`, non-empty parts, a dot in the domain, no spaces):
/// the only real test of an address is mail arriving, and this console sends none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let email = raw.trim().to_lowercase();
        let invalid = |message: &str| Err(InvalidInput::new(Field::Email, message));
        if email.is_empty() {
            return invalid("Email is required.");
        }
        if email.chars().count() > Self::MAX_CHARS {
            return invalid("Email must be at most 254 characters.");
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("Email must not contain spaces.");
        }
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Self(email))
            }
            _ => invalid("Enter an email address like name@example.com."),
        }
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_whitespace() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_ref(), "ada@example.com");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for raw in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
            "ada@example.",
        ] {
            let err = Email::parse(raw).unwrap_err();
            assert_eq!(err.field, Field::Email, "{raw:?}");
        }
    }

    #[test]
    fn rejects_overlong_addresses() {
        let raw = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&raw).unwrap_err().message.contains("254"));
    }
}
