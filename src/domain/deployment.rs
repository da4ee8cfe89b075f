//! What a deployment is made of: a DNS-label name, an upstream URL and an endpoint access type.

use serde::{Deserialize, Serialize};

use super::{Field, InvalidInput};

/// A deployment's name: a DNS label (lowercase letters, digits and `-`, 1 to 63 characters,
/// starting and ending with a letter or digit), because it becomes part of the deployment's
/// host name. Input is lower-cased first, so `Summarize` and `summarize` are the same name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeploymentName(String);

impl DeploymentName {
    pub const MAX_CHARS: usize = 63;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let name = raw.trim().to_ascii_lowercase();
        let invalid = |message: &str| Err(InvalidInput::new(Field::Name, message));
        if name.is_empty() {
            return invalid("Name is required.");
        }
        if name.len() > Self::MAX_CHARS {
            return invalid("Name must be at most 63 characters.");
        }
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return invalid("Name may only contain lowercase letters, digits and hyphens (-).");
        }
        if name.starts_with('-') || name.ends_with('-') {
            return invalid("Name must start and end with a letter or digit.");
        }
        Ok(Self(name))
    }
}

impl AsRef<str> for DeploymentName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DeploymentName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the deployment's service listens: an `http` or `https` URL with a host, without
/// credentials, query or fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamUrl(String);

impl UpstreamUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let invalid = |message: String| Err(InvalidInput::new(Field::UpstreamUrl, message));
        let raw = raw.trim();
        if raw.is_empty() {
            return invalid("Upstream URL is required.".into());
        }
        let Ok(url) = url::Url::parse(raw) else {
            return invalid("Enter a full URL, like http://127.0.0.1:3000.".into());
        };
        if !matches!(url.scheme(), "http" | "https") {
            return invalid(format!("Upstream URL must use http or https, not {}.", url.scheme()));
        }
        let host = url.host_str().unwrap_or_default();
        if host.is_empty() {
            return invalid("Upstream URL needs a host.".into());
        }
        // DNS limits: a name of at most 253 characters in labels of at most 63.
        if host.len() > 253 || host.split('.').any(|label| label.len() > 63) {
            return invalid("The upstream host name is too long (at most 253 characters, 63 per label).".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return invalid("Upstream URL must not contain a user name or password.".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return invalid("Upstream URL must not have a query (?…) or fragment (#…).".into());
        }
        let mut normalized = url.to_string();
        if normalized.len() > Self::MAX_CHARS {
            return invalid(format!("Upstream URL must be at most {} characters.", Self::MAX_CHARS));
        }
        if url.path() == "/" {
            normalized.pop();
        }
        Ok(Self(normalized))
    }
}

impl AsRef<str> for UpstreamUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Who may call a deployment's endpoint from outside.
/// Stored as the lowercase word (`private`, `protected`, `public`), which the column's check
/// constraint allows; a row with anything else fails to load instead of being guessed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(type_name = "text", rename_all = "lowercase"))]
pub enum AccessType {
    /// Not exposed; reachable only from inside the cluster.
    Private,
    /// Anyone with a valid User token granted for the deployment. The safe default.
    #[default]
    Protected,
    /// Anyone.
    Public,
}

impl AccessType {
    pub const ALL: [AccessType; 3] = [AccessType::Private, AccessType::Protected, AccessType::Public];

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "private" => Ok(AccessType::Private),
            "protected" => Ok(AccessType::Protected),
            "public" => Ok(AccessType::Public),
            _ => Err(InvalidInput::new(Field::AccessType, "Choose Private, Protected or Public.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessType::Private => "private",
            AccessType::Protected => "protected",
            AccessType::Public => "public",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessType::Private => "Private",
            AccessType::Protected => "Protected",
            AccessType::Public => "Public",
        }
    }

    /// One line each, as the BentoCloud documentation puts it.
    pub fn explanation(self) -> &'static str {
        match self {
            AccessType::Private => {
                "The external URL is not exposed; the deployment is only accessible within the cluster."
            }
            AccessType::Protected => {
                "Accessible to anyone on the internet, provided that they have a valid User token."
            }
            AccessType::Public => "Accessible to anyone on the internet.",
        }
    }
}

/// A free-text description: up to 500 characters; line breaks and tabs allowed, other control
/// characters not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let text = raw.trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput::new(Field::Description, "Description must be at most 500 characters."));
        }
        if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(InvalidInput::new(Field::Description, "Description must not contain control characters."));
        }
        super::refuse_bidi_controls(text, Field::Description, "Description")?;
        Ok(Self(text.to_owned()))
    }
}

impl AsRef<str> for Description {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_label_rules() {
        assert_eq!(DeploymentName::parse(" Summarize-2 ").unwrap().as_ref(), "summarize-2");
        assert!(DeploymentName::parse(&"a".repeat(63)).is_ok());
        for bad in ["", " ", "-lead", "trail-", "under_score", "dot.ted", "spa ce", "ünï", &"a".repeat(64)] {
            let err = DeploymentName::parse(bad).unwrap_err();
            assert_eq!(err.field, Field::Name, "{bad:?}");
        }
    }

    #[test]
    fn upstream_urls_are_http_or_https_with_a_host() {
        assert_eq!(UpstreamUrl::parse("http://127.0.0.1:3000/").unwrap().as_ref(), "http://127.0.0.1:3000");
        assert_eq!(UpstreamUrl::parse("https://svc.internal/v1").unwrap().as_ref(), "https://svc.internal/v1");
        for (bad, message) in [
            ("", "required"),
            ("127.0.0.1:3000", "full URL"),
            ("localhost", "full URL"),
            ("ftp://host/", "http or https, not ftp"),
            ("file:///etc/passwd", "http or https"),
            ("http://user:pw@host/", "user name"),
            ("http://host/?a=1", "query"),
        ] {
            let err = UpstreamUrl::parse(bad).unwrap_err();
            assert_eq!(err.field, Field::UpstreamUrl);
            assert!(err.message.contains(message), "{bad:?}: {}", err.message);
        }
        let long_label = format!("http://{}.example.com/", "a".repeat(64));
        let long_host = format!("http://{}/", ["abcdefghi"; 26].join("."));
        let long_url = format!("http://host/{}", "p".repeat(2048));
        for (bad, message) in [(long_label, "too long"), (long_host, "too long"), (long_url, "2048")] {
            let err = UpstreamUrl::parse(&bad).unwrap_err();
            assert_eq!(err.field, Field::UpstreamUrl);
            assert!(err.message.contains(message), "{bad:?}: {}", err.message);
        }
    }

    #[test]
    fn access_types_parse_round_trip_and_default_to_protected() {
        for access in AccessType::ALL {
            assert_eq!(AccessType::parse(access.as_str()).unwrap(), access);
        }
        assert_eq!(AccessType::parse("PUBLIC").unwrap(), AccessType::Public);
        assert_eq!(AccessType::parse("open").unwrap_err().field, Field::AccessType);
        assert_eq!(AccessType::default(), AccessType::Protected);
    }

    #[test]
    fn descriptions_are_bounded() {
        assert_eq!(Description::parse(" line one\nline two ").unwrap().as_ref(), "line one\nline two");
        assert!(Description::parse(&"x".repeat(500)).is_ok());
        assert_eq!(Description::parse(&"x".repeat(501)).unwrap_err().field, Field::Description);
        assert_eq!(Description::parse("bell\u{7}").unwrap_err().field, Field::Description);
        assert!(Description::parse("see \u{202E}fdp.exe").unwrap_err().message.contains("direction"));
    }
}
