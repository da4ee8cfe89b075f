//! Phase 1, host: which deployment a request names, from its `Host` (HTTP/1.1) or
//! `:authority` (HTTP/2): `<deployment>.<organization>.<apps domain>`.

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

fn target_of(host: &str, apps_domain: &str) -> Option<Option<Target>> {
    let host =
        host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
    let host = host.strip_suffix('.').unwrap_or(host);
    let prefix = strip_suffix_ignore_case(host, apps_domain)?.strip_suffix('.')?;
    let dot = prefix.find('.').filter(|&dot| dot > 0 && dot + 1 < prefix.len() && !prefix[dot + 1..].contains('.'));
    Some(dot.map(|dot| Target { name: prefix.to_ascii_lowercase(), dot }))
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
        assert_eq!(target_of("é.acme.apps.localhost", domain), target("é", "acme"), "no panic on non-ASCII");
    }
}
