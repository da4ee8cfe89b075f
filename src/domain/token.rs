//! What an API token is made of: a name, its types (at least one), and an expiry.

use serde::{Deserialize, Serialize};

use super::{parse_display_name, time, DeploymentId, Field, InvalidInput};

/// A token's name: trimmed, 1 to 64 characters, no control characters. Unique in the
/// organization regardless of case (see [`TokenName::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenName(String);

impl TokenName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        parse_display_name(raw, Field::Name, "Name", Self::MAX_CHARS).map(Self)
    }

    /// The form compared for uniqueness: "CI Deploy" and "ci deploy" are the same name.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl AsRef<str> for TokenName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The deployments a User token may call: every Protected deployment of the organization
/// (BentoCloud's "All deployments", including ones created later), or the chosen ones (at
/// least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grants {
    All,
    Only(Vec<DeploymentId>),
}

impl Grants {
    /// `all` wins over a list; a list is sorted and deduplicated and must not be empty.
    pub fn parse(all: bool, mut deployments: Vec<DeploymentId>) -> Result<Self, InvalidInput> {
        if all {
            return Ok(Grants::All);
        }
        deployments.sort_unstable();
        deployments.dedup();
        if deployments.is_empty() {
            return Err(InvalidInput::new(Field::Deployments, USER_NEEDS_DEPLOYMENTS));
        }
        Ok(Grants::Only(deployments))
    }

    /// The chosen deployments (none for [`Grants::All`]).
    pub fn deployments(&self) -> &[DeploymentId] {
        match self {
            Grants::All => &[],
            Grants::Only(ids) => ids,
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Grants::All)
    }
}

/// The token's types; it cannot be empty, and a User token always says what it may call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenTypes {
    /// Deployment endpoint access.
    User {
        grants: Grants,
    },
    /// API access to manage resources.
    Developer,
    Both {
        grants: Grants,
    },
}

pub const AT_LEAST_ONE_TYPE: &str = "Select at least one token type: User or Developer.";
pub const USER_NEEDS_DEPLOYMENTS: &str = "Choose at least one deployment for the User token, or All deployments.";

impl TokenTypes {
    /// `all_deployments` and `deployments` only matter for a User token; they are ignored
    /// otherwise.
    pub fn parse(
        user: bool,
        developer: bool,
        all_deployments: bool,
        deployments: Vec<DeploymentId>,
    ) -> Result<Self, InvalidInput> {
        match (user, developer) {
            (false, false) => Err(InvalidInput::new(Field::TokenTypes, AT_LEAST_ONE_TYPE)),
            (true, false) => Ok(TokenTypes::User { grants: Grants::parse(all_deployments, deployments)? }),
            (true, true) => Ok(TokenTypes::Both { grants: Grants::parse(all_deployments, deployments)? }),
            (false, true) => Ok(TokenTypes::Developer),
        }
    }

    pub fn is_user(&self) -> bool {
        !matches!(self, TokenTypes::Developer)
    }

    pub fn is_developer(&self) -> bool {
        !matches!(self, TokenTypes::User { .. })
    }

    /// What a User token may call; `None` for a Developer-only token.
    pub fn grants(&self) -> Option<&Grants> {
        match self {
            TokenTypes::User { grants } | TokenTypes::Both { grants } => Some(grants),
            TokenTypes::Developer => None,
        }
    }
}

/// When a token stops working: never, or at a Unix time in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiration(Option<i64>);

impl Expiration {
    pub const PRESET_DAYS: [i64; 3] = [7, 30, 90];
    /// The choice a new token's form starts with.
    pub const DEFAULT_DAYS: i64 = 30;
    /// Tokens that expire within this many days are marked and counted on the page.
    pub const WARN_DAYS: i64 = 7;
    pub const CONFIRM_NEVER: &'static str =
        "A token without expiry works until someone deletes it. Confirm No expiration, or choose an expiry.";

    /// `choice` is `never`, a preset number of days, or `custom` with `date` (`YYYY-MM-DD`, a
    /// future day; the token works through the end of that day, UTC).
    pub fn parse(choice: &str, date: Option<&str>, now: i64) -> Result<Self, InvalidInput> {
        let invalid = |message: &str| Err(InvalidInput::new(Field::Expiration, message));
        match choice.trim() {
            "" | "never" => Ok(Self(None)),
            "custom" => match date.and_then(time::parse_date) {
                Some(day) => Self::through_day(day, now),
                None => invalid("Enter the expiry date as YYYY-MM-DD."),
            },
            days => match days.parse::<i64>() {
                Ok(days) if Self::PRESET_DAYS.contains(&days) => Ok(Self(Some(now + days * time::DAY))),
                _ => invalid("Choose No expiration, 7, 30 or 90 days, or a custom date."),
            },
        }
    }

    /// A date without a time, wherever it is given (the console's custom date, the REST API's
    /// `expired_at`): the token works through the end of that day, UTC. `day` is the day's
    /// first second; it must be after today.
    pub fn through_day(day: i64, now: i64) -> Result<Self, InvalidInput> {
        if day <= now - now.rem_euclid(time::DAY) {
            return Err(InvalidInput::new(Field::Expiration, "The expiry date must be in the future."));
        }
        Ok(Self(Some(day + time::DAY)))
    }

    /// Expiry given directly as a time (REST API); it must be in the future.
    pub fn at(expires_at: Option<i64>, now: i64) -> Result<Self, InvalidInput> {
        match expires_at {
            Some(at) if at <= now => Err(InvalidInput::new(Field::Expiration, "The expiry must be in the future.")),
            other => Ok(Self(other)),
        }
    }

    pub fn expires_at(self) -> Option<i64> {
        self.0
    }

    /// The console asks before making a token that never expires: without `confirmed`, No
    /// expiration is refused with a message that says so.
    pub fn confirm_never(self, confirmed: bool) -> Result<Self, InvalidInput> {
        match self.0 {
            None if !confirmed => Err(InvalidInput::new(Field::Expiration, Self::CONFIRM_NEVER)),
            _ => Ok(self),
        }
    }

    /// Whether a token expiring at `expires_at` is still valid but expires within
    /// [`WARN_DAYS`](Self::WARN_DAYS).
    pub fn expires_soon(expires_at: Option<i64>, now: i64) -> bool {
        expires_at.is_some_and(|at| at > now && at <= now + Self::WARN_DAYS * time::DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[i64]) -> Vec<DeploymentId> {
        raw.iter().copied().map(DeploymentId::new).collect()
    }

    #[test]
    fn names_are_trimmed_bounded_and_compared_without_case() {
        let name = TokenName::parse("  CI Deploy ").unwrap();
        assert_eq!(name.as_ref(), "CI Deploy");
        assert_eq!(name.key(), TokenName::parse("ci deploy").unwrap().key());
        assert!(TokenName::parse(&"n".repeat(64)).is_ok());
        for bad in ["", "   ", "tab\tin", "bell\u{7}"] {
            assert_eq!(TokenName::parse(bad).unwrap_err().field, Field::Name, "{bad:?}");
        }
        assert!(TokenName::parse(&"n".repeat(65)).unwrap_err().message.contains("64"));
    }

    #[test]
    fn at_least_one_type_and_user_needs_deployments() {
        assert_eq!(TokenTypes::parse(false, false, false, ids(&[1])).unwrap_err().message, AT_LEAST_ONE_TYPE);
        assert_eq!(TokenTypes::parse(true, false, false, vec![]).unwrap_err().field, Field::Deployments);
        assert_eq!(TokenTypes::parse(true, true, false, vec![]).unwrap_err().message, USER_NEEDS_DEPLOYMENTS);
        assert_eq!(TokenTypes::parse(false, true, true, ids(&[3])).unwrap(), TokenTypes::Developer);
        let both = TokenTypes::parse(true, true, false, ids(&[2, 1, 2])).unwrap();
        assert!(both.is_user() && both.is_developer());
        assert_eq!(both.grants().unwrap().deployments(), &ids(&[1, 2])[..]);
        let user = TokenTypes::parse(true, false, false, ids(&[5])).unwrap();
        assert!(user.is_user() && !user.is_developer());
        let all = TokenTypes::parse(true, false, true, vec![]).unwrap();
        assert_eq!(all.grants(), Some(&Grants::All), "All deployments needs no list");
        assert_eq!(TokenTypes::parse(true, false, true, ids(&[4])).unwrap().grants(), Some(&Grants::All));
    }

    #[test]
    fn expiration_presets_custom_dates_and_errors() {
        let now = time::parse_date("2026-11-23").unwrap() + 3600;
        assert_eq!(Expiration::parse("never", None, now).unwrap().expires_at(), None);
        assert_eq!(Expiration::parse("30", None, now).unwrap().expires_at(), Some(now + 30 * time::DAY));
        let custom = Expiration::parse("custom", Some("2026-11-24"), now).unwrap();
        assert_eq!(custom.expires_at(), Some(time::parse_date("2026-11-25").unwrap()), "through the end of that day");
        for (choice, date, message) in [
            ("custom", Some("2026-11-23"), "future"),
            ("custom", Some("2020-01-01"), "future"),
            ("custom", Some("someday"), "YYYY-MM-DD"),
            ("custom", None, "YYYY-MM-DD"),
            ("14", None, "Choose"),
            ("-7", None, "Choose"),
        ] {
            let err = Expiration::parse(choice, date, now).unwrap_err();
            assert_eq!(err.field, Field::Expiration);
            assert!(err.message.contains(message), "{choice} {date:?}: {}", err.message);
        }
        assert!(Expiration::at(Some(now - 1), now).is_err());
        let never = Expiration::parse("never", None, now).unwrap();
        assert_eq!(never.confirm_never(false).unwrap_err().message, Expiration::CONFIRM_NEVER);
        assert_eq!(never.confirm_never(true), Ok(never));
        let month = Expiration::parse("30", None, now).unwrap();
        assert_eq!(month.confirm_never(false), Ok(month), "only No expiration needs confirming");
        assert!(Expiration::expires_soon(Some(now + 7 * time::DAY), now));
        assert!(!Expiration::expires_soon(Some(now + 7 * time::DAY + 1), now));
        assert!(!Expiration::expires_soon(Some(now), now), "expired is not expiring");
        assert!(!Expiration::expires_soon(None, now));
        assert_eq!(Expiration::at(Some(now + 60), now).unwrap().expires_at(), Some(now + 60));
    }
}
