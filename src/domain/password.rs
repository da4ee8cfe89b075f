use super::{Field, InvalidInput};

pub const PASSWORD_MIN_CHARS: usize = 12;
/// An upper bound keeps a hostile multi-megabyte "password" from costing hashing time.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A password chosen by a user, checked against the length policy and its confirmation.
///
/// Deliberately not `Serialize` and with a redacting `Debug`, so it cannot end up in a
/// response or a log line by accident.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(password: &str, confirmation: &str) -> Result<Self, InvalidInput> {
        let strong = Self::strong(password)?;
        Self::matches(password, confirmation)?;
        Ok(strong)
    }

    /// The length policy alone (a form checks the confirmation beside it, with [`Self::matches`],
    /// so both messages show at once).
    pub fn strong(password: &str) -> Result<Self, InvalidInput> {
        let chars = password.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(InvalidInput::new(
                Field::Password,
                format!("Password must be at least {PASSWORD_MIN_CHARS} characters."),
            ));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(InvalidInput::new(
                Field::Password,
                format!("Password must be at most {PASSWORD_MAX_CHARS} characters."),
            ));
        }
        Ok(Self(password.to_owned()))
    }

    pub fn matches(password: &str, confirmation: &str) -> Result<(), InvalidInput> {
        if password != confirmation {
            return Err(InvalidInput::new(Field::PasswordConfirmation, "Passwords do not match."));
        }
        Ok(())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_and_confirmation() {
        assert_eq!(NewPassword::parse("short", "short").unwrap_err().field, Field::Password);
        let long = "x".repeat(PASSWORD_MAX_CHARS + 1);
        assert_eq!(NewPassword::parse(&long, &long).unwrap_err().field, Field::Password);
        let err = NewPassword::parse("correct horse battery", "correct horse batterx").unwrap_err();
        assert_eq!(err.field, Field::PasswordConfirmation);
        assert!(NewPassword::parse("correct horse battery", "correct horse battery").is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let password = NewPassword::parse("correct horse battery", "correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
