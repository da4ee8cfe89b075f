//! Header rules for proxying (RFC 9110 §7.6.1): hop-by-hop headers, including every header a
//! `Connection` header names, belong to one connection and are not forwarded in either
//! direction.

use axum::http::{header, HeaderMap, HeaderName};

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

/// Removes hop-by-hop headers. `Connection` is read before it is removed, so the headers it
/// names go too.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
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
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

/// Whether the client asked for trailers (`TE: trailers`), which gRPC needs end to end.
pub fn wants_trailers(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::TE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("trailers"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        map
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
            strip_hop_by_hop(&mut map);
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
}
