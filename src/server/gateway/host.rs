//! Phase 1, host: which deployment a request names, from its `Host` (HTTP/1.1) or
//! `:authority` (HTTP/2): `<deployment>.<organization>.<apps domain>`.
//!
//! Both labels must be DNS labels as deployment names and organization slugs are (letters,
//! digits and inner hyphens, at most 63 bytes), and the whole name at most 253 bytes, before
//! anything is allocated, looked up or cached: a name that no deployment can have costs
//! nothing, however long it is.

use axum::{extract::Request, http::header};

/// `<deployment>.<organization>`, lower-cased.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    name: String,
    dot: usize,
}

impl Target {
    pub fn deployment(&self) -> &str {
        &self.name[..self.dot]
    }

    pub fn organization(&self) -> &str {
        &self.name[self.dot + 1..]
    }

    /// `<deployment>.<organization>`: the route cache's key.
    pub fn key(&self) -> &str {
        &self.name
    }
}

/// `Some` when the request's host is under the apps domain (then the gateway answers, even if
/// the name matches nothing); `None` for the console's own host.
pub fn target_of_request(request: &Request, apps_domain: &str) -> Option<Option<Target>> {
    let host = match request.uri().authority() {
        Some(authority) => authority.as_str(),
        None => request.headers().get(header::HOST)?.to_str().ok()?,
    };
    target_of(host, apps_domain)
}

/// RFC 1035 §2.3.4: a label is at most 63 bytes, a name at most 253 (255 on the wire).
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

fn target_of(host: &str, apps_domain: &str) -> Option<Option<Target>> {
    let host =
        host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
    let host = host.strip_suffix('.').unwrap_or(host);
    let prefix = strip_suffix_ignore_case(host, apps_domain)?.strip_suffix('.')?;
    if host.len() > MAX_NAME {
        return Some(None);
    }
    let target = prefix.split_once('.').filter(|(deployment, organization)| {
        is_dns_label(deployment.as_bytes()) && is_dns_label(organization.as_bytes())
    });
    Some(target.map(|(deployment, _)| Target { name: prefix.to_ascii_lowercase(), dot: deployment.len() }))
}

/// Letters, digits and hyphens, not at either end; 1 to 63 bytes.
fn is_dns_label(label: &[u8]) -> bool {
    (1..=MAX_LABEL).contains(&label.len())
        && label.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(split) && text[split..].eq_ignore_ascii_case(suffix)).then(|| &text[..split])
}

#[cfg(test)]
mod tests {
    fn target(deployment: &str, organization: &str) -> Option<Option<(String, String)>> {
        Some(Some((deployment.into(), organization.into())))
    }

    fn target_of(host: &str, domain: &str) -> Option<Option<(String, String)>> {
        super::target_of(host, domain)
            .map(|target| target.map(|t| (t.deployment().to_owned(), t.organization().to_owned())))
    }

    #[test]
    fn hosts_under_the_apps_domain_name_a_deployment() {
        let domain = "apps.localhost";
        assert_eq!(target_of("summarize.acme.apps.localhost", domain), target("summarize", "acme"));
        assert_eq!(target_of("Summarize.ACME.Apps.Localhost:3000", domain), target("summarize", "acme"));
        assert_eq!(target_of("summarize.acme.apps.localhost.", domain), target("summarize", "acme"));
        assert_eq!(target_of("apps.localhost", domain), None, "the bare domain is not under it");
        assert_eq!(target_of("acme.apps.localhost", domain), Some(None), "no deployment part");
        assert_eq!(target_of("a.b.acme.apps.localhost", domain), Some(None), "too many labels");
        assert_eq!(target_of("127.0.0.1:3000", domain), None);
        assert_eq!(target_of("evilapps.localhost", domain), None);
        assert_eq!(target_of(".acme.apps.localhost", domain), Some(None), "empty deployment label");
        assert_eq!(target_of("s..apps.localhost", domain), Some(None), "empty organization label");
        assert_eq!(target_of("é.acme.apps.localhost", domain), Some(None), "not a DNS label, and no panic");
        assert_eq!(target_of("-s.acme.apps.localhost", domain), Some(None), "hyphen first");
        assert_eq!(target_of("s.acme-.apps.localhost", domain), Some(None), "hyphen last");
        assert_eq!(target_of("s_1.acme.apps.localhost", domain), Some(None), "underscore");
    }

    #[test]
    fn names_beyond_the_dns_limits_name_nothing() {
        let domain = "apps.localhost";
        let label = |n: usize| "a".repeat(n);
        let host = |deployment: &str, organization: &str| format!("{deployment}.{organization}.{domain}");
        assert_eq!(target_of(&host(&label(63), "acme"), domain), target(&label(63), "acme"));
        assert_eq!(target_of(&host(&label(64), "acme"), domain), Some(None), "a 64-byte label");
        assert_eq!(target_of(&host("s", &label(64)), domain), Some(None));
        assert_eq!(target_of(&host(&label(200_000), "acme"), domain), Some(None), "a 200 KB label");
        let long_domain = format!("{}.{}.{}.example", label(63), label(63), label(40));
        let name = format!("{}.{}.{long_domain}", label(38), label(38));
        assert_eq!(name.len(), 254);
        assert_eq!(target_of(&name, &long_domain), Some(None), "a 254-byte name");
        assert_eq!(target_of(&name[1..], &long_domain), target(&label(37), &label(38)), "253 bytes");
    }
}
