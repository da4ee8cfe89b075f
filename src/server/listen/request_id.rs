//! Every request's id: echoed as `x-request-id`, sent upstream, on every log line of the
//! request, and the `x-trace-id` of a 5xx. A trusted proxy's `x-request-id` is kept, so one
//! id follows a request through both; anyone else's is replaced.

use std::fmt;

use axum::http::{HeaderMap, HeaderValue};

pub const HEADER: &str = "x-request-id";
/// Long enough for a UUID or a W3C trace id, short enough for a log line.
const MAX_LEN: usize = 64;

#[derive(Clone, Debug)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The proxy's id when it is trusted and the id well-formed (visible ASCII, at most 64
    /// bytes), else a new one.
    pub fn for_request(headers: &HeaderMap, from_trusted_proxy: bool) -> Self {
        let given = headers.get(HEADER).filter(|_| from_trusted_proxy).filter(|value| is_well_formed(value.as_bytes()));
        given.map_or_else(Self::generate, |value| Self(value.clone()))
    }

    /// 16 hex digits of randomness.
    pub fn generate() -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bits = rand::random::<u64>();
        let mut text = [0u8; 16];
        for digit in text.iter_mut().rev() {
            *digit = HEX[(bits & 0xf) as usize];
            bits >>= 4;
        }
        Self(HeaderValue::from_bytes(&text).expect("BUG: hex digits are a valid header value"))
    }

    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Well-formed by construction: visible ASCII.
        f.write_str(self.0.to_str().unwrap_or("-"))
    }
}

fn is_well_formed(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len()) && id.iter().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(id).unwrap());
        headers
    }

    #[test]
    fn generated_ids_are_16_hex_digits_and_differ() {
        let (a, b) = (RequestId::generate().to_string(), RequestId::generate().to_string());
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn only_a_trusted_proxys_well_formed_id_is_kept() {
        assert_eq!(RequestId::for_request(&headers("req-42"), true).to_string(), "req-42");
        assert_ne!(RequestId::for_request(&headers("req-42"), false).to_string(), "req-42");
        for bad in ["with space", &"x".repeat(65), ""] {
            assert_ne!(RequestId::for_request(&headers(bad), true).to_string(), bad, "{bad:?}");
        }
        assert_eq!(RequestId::for_request(&HeaderMap::new(), true).to_string().len(), 16);
    }
}
