use super::{parse_display_name, Field, InvalidInput};
use serde::{Deserialize, Serialize};

/// An organization's display name, plus the DNS-safe slug derived from it that appears in
/// deployment URLs (`<deployment>.<slug>.<apps-domain>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationName {
    name: String,
    slug: String,
}

impl OrganizationName {
    pub const MAX_CHARS: usize = 64;
    const MAX_SLUG_CHARS: usize = 63;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let name = parse_display_name(raw, Field::OrganizationName, "Organization name", Self::MAX_CHARS)?;
        let slug = slugify(&name);
        if slug.is_empty() {
            return Err(InvalidInput::new(
                Field::OrganizationName,
                "Organization name must contain at least one letter or digit (a-z, 0-9).",
            ));
        }
        Ok(Self { name, slug })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Lowercase letters, digits and single hyphens; a valid DNS label.
    pub fn slug(&self) -> &str {
        &self.slug
    }
}

fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(OrganizationName::MAX_SLUG_CHARS).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_a_dns_label_slug() {
        let org = OrganizationName::parse("  My Bento Cloud! ").unwrap();
        assert_eq!(org.name(), "My Bento Cloud!");
        assert_eq!(org.slug(), "my-bento-cloud");
        assert_eq!(OrganizationName::parse("--ACME__Labs--").unwrap().slug(), "acme-labs");
    }

    #[test]
    fn long_names_give_slugs_within_a_dns_label() {
        let org = OrganizationName::parse(&"ab-".repeat(21)).unwrap();
        assert!(org.slug().len() <= 63);
        assert!(!org.slug().ends_with('-'));
    }

    #[test]
    fn rejects_names_without_letters_or_digits() {
        let err = OrganizationName::parse("???").unwrap_err();
        assert_eq!(err.field, Field::OrganizationName);
        assert!(OrganizationName::parse("").is_err());
    }
}
