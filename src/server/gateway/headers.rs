//! Header rules for proxying, both ways.
//!
//! - Hop-by-hop headers (RFC 9110 §7.6.1), including every header a `Connection` header
//!   names, belong to one connection and are not forwarded in either direction.
//! - The console's own credentials never reach an upstream: no `bcst_` bearer token (on any
//!   deployment, Public ones included: a token for one deployment must not leak to another),
//!   no `X-YATAI-API-TOKEN`, no console session cookie. Other credentials, such as an
//!   upstream's own API key, pass.
//! - Forwarding headers are the gateway's own: whatever a client claims in `X-Forwarded-*`,
//!   `Forwarded`, `X-Real-IP` or `X-Request-Id` is dropped, and `X-Forwarded-For/Host/Proto`
//!   are set from what the gateway saw, `X-Request-Id` to the request's id (see `listen`).

use std::{io::Write, net::IpAddr};

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};

use super::{authorize::Authorized, Caller};
use crate::server::{tokens::secret, SESSION_COOKIE};

// Names, not strings: removing by `&str` would parse each name again on every request.
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Client claims about the path a request took; only the gateway's own reach an upstream.
const CLIENT_FORWARDING: [HeaderName; 5] =
    [X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO, header::FORWARDED, HeaderName::from_static("x-real-ip")];

/// The console API's token header (Developer tokens; see `rest::auth`).
const CONSOLE_TOKEN: HeaderName = HeaderName::from_static("x-yatai-api-token");

/// What the gateway knows about a request, for the headers it sets.
pub struct Seen<'a> {
    pub caller: &'a Caller,
    /// The `Host` or `:authority` the client used.
    pub host: Option<HeaderValue>,
    pub authorized: Authorized,
}

/// Rewrites a client's request headers for the upstream.
pub fn to_upstream(headers: &mut HeaderMap, seen: Seen<'_>) {
    let trailers = wants_trailers(headers);
    strip_hop_by_hop(headers);
    headers.remove(header::HOST);
    strip_console_credentials(headers, seen.authorized);
    for name in &CLIENT_FORWARDING {
        headers.remove(name);
    }
    if trailers {
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
    }
    headers.insert(X_FORWARDED_FOR, ip_value(seen.caller.ip));
    if let Some(host) = seen.host {
        headers.insert(X_FORWARDED_HOST, host);
    }
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(seen.caller.scheme));
    headers.insert(X_REQUEST_ID, seen.caller.request_id.clone());
}

/// An address as a header value, formatted without an intermediate `String`.
fn ip_value(ip: IpAddr) -> HeaderValue {
    let mut text = [0u8; 45]; // the longest IPv6 address text
    let mut unwritten = &mut text[..];
    let _ = write!(unwritten, "{ip}");
    let len = 45 - unwritten.len();
    HeaderValue::from_bytes(&text[..len]).expect("BUG: an address is written in visible ASCII")
}

/// Rewrites an upstream's response headers for the client.
pub fn from_upstream(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
}

/// Removes hop-by-hop headers. `Connection` is read before it is removed, so the headers it
/// names go too.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    if headers.contains_key(header::CONNECTION) {
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
            .collect();
        for name in named {
            headers.remove(name);
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

/// Whether the client asked for trailers (`TE: trailers`), which gRPC needs end to end.
fn wants_trailers(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::TE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("trailers"))
}

fn strip_console_credentials(headers: &mut HeaderMap, authorized: Authorized) {
    headers.remove(CONSOLE_TOKEN);
    if authorized == Authorized::ByToken {
        // The one Authorization header was the token the gateway checked.
        headers.remove(header::AUTHORIZATION);
    } else if headers.get_all(header::AUTHORIZATION).iter().any(is_console_bearer) {
        keep_only(headers, header::AUTHORIZATION, |value| !is_console_bearer(value));
    }
    if headers.get_all(header::COOKIE).iter().any(|value| contains(value.as_bytes(), SESSION_COOKIE.as_bytes())) {
        let cookies: Vec<HeaderValue> =
            headers.get_all(header::COOKIE).iter().filter_map(without_session_cookie).collect();
        headers.remove(header::COOKIE);
        for value in cookies {
            headers.append(header::COOKIE, value);
        }
    }
}

/// `Bearer bcst_…`, whatever the case of the scheme and the spaces around the token.
fn is_console_bearer(value: &HeaderValue) -> bool {
    let value = value.as_bytes().trim_ascii();
    value.len() > 7
        && value[..6].eq_ignore_ascii_case(b"bearer")
        && value[6] == b' '
        && value[7..].trim_ascii_start().starts_with(secret::PREFIX.as_bytes())
}

/// A `Cookie` value without the console's session cookie; `None` if nothing else is left.
fn without_session_cookie(value: &HeaderValue) -> Option<HeaderValue> {
    let Ok(text) = value.to_str() else { return Some(value.clone()) };
    let kept: Vec<&str> = text
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && pair.split('=').next().map(str::trim) != Some(SESSION_COOKIE))
        .collect();
    (!kept.is_empty()).then(|| HeaderValue::from_str(&kept.join("; ")).ok()).flatten()
}

fn keep_only(headers: &mut HeaderMap, name: HeaderName, keep: impl Fn(&HeaderValue) -> bool) {
    let kept: Vec<HeaderValue> = headers.get_all(&name).iter().filter(|value| keep(value)).cloned().collect();
    headers.remove(&name);
    for value in kept {
        headers.append(&name, value);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::listen::Reach;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        map
    }

    /// Every header, sorted, as `name: value`.
    fn listed(map: &HeaderMap) -> Vec<String> {
        let mut lines: Vec<String> =
            map.iter().map(|(name, value)| format!("{name}: {}", value.to_str().unwrap())).collect();
        lines.sort();
        lines
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_removed() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: [Case; 4] = [
            (
                &[("connection", "keep-alive"), ("keep-alive", "timeout=5"), ("content-type", "text/plain")],
                &["content-type"],
            ),
            (&[("connection", "close, X-Secret-Hop"), ("x-secret-hop", "1"), ("x-keep", "2")], &["x-keep"]),
            (
                &[("transfer-encoding", "chunked"), ("te", "trailers"), ("upgrade", "h2c"), ("accept", "*/*")],
                &["accept"],
            ),
            (
                &[
                    ("connection", "x-a"),
                    ("connection", "x-b"),
                    ("x-a", "1"),
                    ("x-b", "2"),
                    ("proxy-authorization", "x"),
                ],
                &[],
            ),
        ];
        for (input, kept) in cases {
            let mut map = headers(input);
            from_upstream(&mut map);
            let mut names: Vec<&str> = map.keys().map(HeaderName::as_str).collect();
            names.sort();
            assert_eq!(names, kept, "{input:?}");
        }
    }

    #[test]
    fn detects_te_trailers() {
        assert!(wants_trailers(&headers(&[("te", "trailers")])));
        assert!(wants_trailers(&headers(&[("te", "gzip, Trailers")])));
        assert!(!wants_trailers(&headers(&[("te", "gzip")])));
        assert!(!wants_trailers(&headers(&[])));
    }

    #[test]
    fn what_reaches_an_upstream() {
        let token = "bcst_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG012345";
        let bearer = format!("Bearer {token}");
        let lower = format!("bearer   {token}");
        let session = format!("{SESSION_COOKIE}=s3cr3t");
        let mixed_cookie = format!("theme=dark; {SESSION_COOKIE}=s3cr3t; lang=en");
        type Case<'a> = (&'a str, Authorized, Vec<(&'a str, &'a str)>, Vec<&'a str>);
        let gateway_set = ["x-forwarded-for: 203.0.113.9", "x-forwarded-proto: https", "x-request-id: 0123abcd"];
        let cases: Vec<Case> = vec![
            ("a checked token is consumed", Authorized::ByToken, vec![("authorization", &bearer)], vec![]),
            (
                "a console token never reaches a Public upstream",
                Authorized::Unchecked,
                vec![("authorization", &bearer)],
                vec![],
            ),
            ("whatever the scheme's case and spacing", Authorized::Unchecked, vec![("authorization", &lower)], vec![]),
            (
                "an upstream's own credentials pass",
                Authorized::Unchecked,
                vec![("authorization", "Bearer sk-upstream"), ("x-api-key", "k")],
                vec!["authorization: Bearer sk-upstream", "x-api-key: k"],
            ),
            (
                "only the console's value of several goes",
                Authorized::Unchecked,
                vec![("authorization", &bearer), ("authorization", "Basic eDp5")],
                vec!["authorization: Basic eDp5"],
            ),
            ("the console API's token header", Authorized::Unchecked, vec![("x-yatai-api-token", token)], vec![]),
            ("the session cookie alone", Authorized::Unchecked, vec![("cookie", &session)], vec![]),
            (
                "the session cookie among others",
                Authorized::Unchecked,
                vec![("cookie", &mixed_cookie), ("cookie", "a=1")],
                vec!["cookie: a=1", "cookie: theme=dark; lang=en"],
            ),
            (
                "a cookie whose name only contains the session's",
                Authorized::Unchecked,
                vec![("cookie", "old_bento_console_session=1")],
                vec!["cookie: old_bento_console_session=1"],
            ),
            (
                "client forwarding claims are replaced",
                Authorized::Unchecked,
                vec![
                    ("x-forwarded-for", "10.1.2.3"),
                    ("forwarded", "for=10.1.2.3"),
                    ("x-real-ip", "10.1.2.3"),
                    ("x-forwarded-host", "evil.example"),
                    ("x-forwarded-proto", "http"),
                    ("x-request-id", "chosen-by-client"),
                ],
                vec![],
            ),
            ("the Host goes (the upstream URL names the upstream)", Authorized::Unchecked, vec![("host", "x")], vec![]),
        ];
        let caller = Caller {
            ip: "203.0.113.9".parse().unwrap(),
            scheme: "https",
            reach: Reach::Public,
            request_id: HeaderValue::from_static("0123abcd"),
        };
        for (what, authorized, input, kept) in cases {
            let mut map = headers(&input);
            to_upstream(&mut map, Seen { caller: &caller, host: None, authorized });
            let mut expected: Vec<String> = kept.iter().map(|line| line.to_string()).collect();
            expected.extend(gateway_set.iter().map(|line| line.to_string()));
            expected.sort();
            assert_eq!(listed(&map), expected, "{what}");
        }
    }

    #[test]
    fn the_gateway_names_the_host_the_client_used_and_keeps_te_trailers() {
        let mut map = headers(&[("te", "trailers"), ("connection", "te")]);
        let caller = Caller {
            ip: "::1".parse().unwrap(),
            scheme: "http",
            reach: Reach::Internal,
            request_id: HeaderValue::from_static("id"),
        };
        let host = Some(HeaderValue::from_static("s.acme.apps.localhost:3000"));
        to_upstream(&mut map, Seen { caller: &caller, host, authorized: Authorized::Unchecked });
        assert_eq!(map["te"], "trailers");
        assert_eq!(map["x-forwarded-host"], "s.acme.apps.localhost:3000");
        assert_eq!(map["x-forwarded-for"], "::1");
    }
}
