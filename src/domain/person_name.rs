use super::{parse_display_name, Field, InvalidInput};
use serde::{Deserialize, Serialize};

/// A person's display name: trimmed, 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        parse_display_name(raw, Field::Name, "Name", Self::MAX_CHARS).map(Self)
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_unicode() {
        assert_eq!(PersonName::parse("  Zoë Ång ").unwrap().as_ref(), "Zoë Ång");
    }

    #[test]
    fn rejects_empty_long_and_control_characters() {
        assert_eq!(PersonName::parse("  ").unwrap_err().message, "Name is required.");
        assert!(PersonName::parse(&"x".repeat(65)).unwrap_err().message.contains("64"));
        assert!(PersonName::parse(&"x".repeat(64)).is_ok());
        assert!(PersonName::parse("a\u{7}b").unwrap_err().message.contains("control"));
    }
}
