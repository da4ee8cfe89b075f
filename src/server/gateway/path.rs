//! The upstream URI: the deployment's upstream URL, then the request's path and query.
//!
//! The path's dot-segments are removed first (RFC 3986 §5.2.4), reading `%2e` and `%2E` as
//! dots as servers that decode before routing do, so `/../x` and `/%2e%2e/x` become `/x`: a
//! request can never climb above the upstream URL's own path (`http://svc/v1` stays under
//! `/v1`). A segment that hides a dot-segment behind an encoded or backward slash (`..%2f`,
//! `%2e%2e%5c`, `..\`) cannot be normalised without guessing how the upstream decodes it, and
//! is refused.

use std::borrow::Cow;

use axum::http::{uri::PathAndQuery, Uri};

#[derive(Debug, PartialEq, Eq)]
pub enum Unusable {
    /// The request's path hides a dot-segment: the client's fault (400).
    HiddenDotSegment,
    /// The deployment's upstream URL does not combine into a URI: the gateway's problem (502).
    Upstream,
}

/// The upstream URL with the request's normalised path appended (after the upstream's own
/// path, if any) and its query.
pub fn upstream_uri(upstream: &str, path_and_query: Option<&PathAndQuery>) -> Result<Uri, Unusable> {
    let (path, query) = path_and_query.map_or(("/", None), |pq| (pq.path(), pq.query()));
    let path = without_dot_segments(path)?;
    let upstream = upstream.trim_end_matches('/');
    let uri = match query {
        Some(query) => format!("{upstream}{path}?{query}"),
        None => format!("{upstream}{path}"),
    };
    uri.parse().map_err(|_| Unusable::Upstream)
}

fn without_dot_segments(path: &str) -> Result<Cow<'_, str>, Unusable> {
    // Asterisk-form (`OPTIONS *`) and anything else without a leading slash: nothing to climb.
    let Some(segments) = path.strip_prefix('/') else { return Ok(Cow::Borrowed(path)) };
    // Most paths have nothing to remove or check: no allocation for them.
    if !segments.split('/').any(|segment| dots(segment).is_some_and(|n| n <= 2) || may_hide(segment)) {
        return Ok(Cow::Borrowed(path));
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut segments = segments.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        match dots(segment) {
            Some(1) => {}
            Some(2) => {
                kept.pop();
            }
            _ if may_hide(segment) && hides_dot_segment(segment) => return Err(Unusable::HiddenDotSegment),
            _ => {
                kept.push(segment);
                continue;
            }
        }
        // `/a/.` and `/a/b/..` end in a directory: `/a/`.
        if last {
            kept.push("");
        }
    }
    Ok(Cow::Owned(format!("/{}", kept.join("/"))))
}

/// How many dots a segment made only of `.`, `%2e` and `%2E` has (`Some(0)` when empty).
fn dots(segment: &str) -> Option<usize> {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return None,
        };
        dots += 1;
    }
    Some(dots)
}

fn may_hide(segment: &str) -> bool {
    segment.bytes().any(|b| b == b'%' || b == b'\\')
}

/// Whether, percent-decoded and split at `/` and `\`, the segment holds a `.` or `..` part.
fn hides_dot_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(&[high, low])) => match (hex(high), hex(low)) {
                (Some(high), Some(low)) => {
                    i += 2;
                    high << 4 | low
                }
                _ => b'%',
            },
            (byte, _) => byte,
        };
        decoded.push(byte);
        i += 1;
    }
    decoded.split(|&b| b == b'/' || b == b'\\').any(|part| part == b"." || part == b"..")
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|value| value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pq(s: &str) -> PathAndQuery {
        s.parse().unwrap()
    }

    #[test]
    fn upstream_uris_keep_the_upstream_path_and_the_query() {
        assert_eq!(
            upstream_uri("http://127.0.0.1:3001", Some(&pq("/generate?x=1"))).unwrap(),
            "http://127.0.0.1:3001/generate?x=1"
        );
        assert_eq!(upstream_uri("http://svc/v1", Some(&pq("/generate"))).unwrap(), "http://svc/v1/generate");
        assert_eq!(upstream_uri("http://svc/", None).unwrap(), "http://svc/");
        assert_eq!(upstream_uri("http://svc/v1/", Some(&pq("/"))).unwrap(), "http://svc/v1/");
    }

    #[test]
    fn dot_segments_never_climb_above_the_upstream_path() {
        let cases = [
            ("/../secret", "/v1/secret"),
            ("/%2e%2e/secret", "/v1/secret"),
            ("/%2E%2e/secret?q=1", "/v1/secret?q=1"),
            ("/.%2E/.%2e/secret", "/v1/secret"),
            ("/a/b/../../../secret", "/v1/secret"),
            ("/a/./b/../c", "/v1/a/c"),
            ("/a/b/..", "/v1/a/"),
            ("/a/.", "/v1/a/"),
            ("/..", "/v1/"),
            ("/a//b/../c", "/v1/a//c"),
            ("/.../x", "/v1/.../x"),
            ("/model.v2/file..txt", "/v1/model.v2/file..txt"),
            ("/org%2Fmodel/%2e", "/v1/org%2Fmodel/"),
            ("/q?path=../x", "/v1/q?path=../x"),
        ];
        for (path, expected) in cases {
            let uri = upstream_uri("http://svc/v1", Some(&pq(path))).unwrap();
            assert_eq!(uri.path_and_query().unwrap().as_str(), expected, "{path}");
        }
    }

    #[test]
    fn dot_segments_hidden_behind_encoded_slashes_are_refused() {
        for path in ["/..%2fsecret", "/%2e%2e%2Fsecret", "/x/..%5csecret", "/a%2F..%2Fb", "/..\\secret", "/%2e%5C"] {
            assert_eq!(upstream_uri("http://svc/v1", Some(&pq(path))), Err(Unusable::HiddenDotSegment), "{path}");
        }
        for path in ["/a%2Fb", "/100%25", "/%zz", "/x%2e"] {
            assert!(upstream_uri("http://svc/v1", Some(&pq(path))).is_ok(), "{path}");
        }
    }

    #[test]
    fn plain_paths_are_not_copied() {
        assert!(matches!(without_dot_segments("/v1/chat/completions"), Ok(Cow::Borrowed(_))));
        assert!(matches!(without_dot_segments("/model.json"), Ok(Cow::Borrowed(_))));
    }
}
