//! The gateway's own answers, when it does not forward a request: a short JSON error, or for
//! gRPC calls a gRPC status, so clients report the message instead of a bare HTTP code.

use std::time::Duration;

use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

/// Why a request was not forwarded.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub message: &'static str,
    pub retry_after: Option<Duration>,
}

impl Refused {
    pub fn new(status: StatusCode, message: &'static str) -> Self {
        Self { status, message, retry_after: None }
    }

    pub fn into_response(self, grpc: bool) -> Response {
        let mut response = refusal(grpc, self.status, self.message);
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(retry_after) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
        }
        response
    }
}

/// A JSON error, or for gRPC calls a gRPC status in a "trailers-only" response.
pub fn refusal(grpc: bool, status: StatusCode, message: &str) -> Response {
    if !grpc {
        return error(status, message);
    }
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert("grpc-status", HeaderValue::from(grpc_code(status)));
    if let Ok(message) = HeaderValue::from_str(&grpc_message(message)) {
        headers.insert("grpc-message", message);
    }
    response
}

/// `{"error": message}` with `status`.
pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// The gRPC status for an HTTP status, as gRPC's own HTTP-to-gRPC mapping has it.
fn grpc_code(status: StatusCode) -> u16 {
    match status {
        StatusCode::UNAUTHORIZED => 16,      // UNAUTHENTICATED
        StatusCode::FORBIDDEN => 7,          // PERMISSION_DENIED
        StatusCode::NOT_FOUND => 12,         // UNIMPLEMENTED
        StatusCode::TOO_MANY_REQUESTS => 14, // UNAVAILABLE
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => 14,
        StatusCode::BAD_REQUEST => 3, // INVALID_ARGUMENT
        _ => 13,                      // INTERNAL
    }
}

/// `grpc-message` is percent-encoded: `%` and bytes outside printable ASCII.
fn grpc_message(message: &str) -> String {
    message
        .bytes()
        .map(|b| if (0x20..0x7f).contains(&b) && b != b'%' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_refusals_carry_a_grpc_status_and_an_encoded_message() {
        let response = refusal(true, StatusCode::UNAUTHORIZED, "100% wrong\n");
        assert_eq!(response.status(), StatusCode::OK, "gRPC errors travel in grpc-status");
        assert_eq!(response.headers()["grpc-status"], "16");
        assert_eq!(response.headers()["grpc-message"], "100%25 wrong%0A");
        assert_eq!(refusal(false, StatusCode::UNAUTHORIZED, "x").status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn refusals_say_when_to_retry_and_how_to_authenticate() {
        let refused = Refused {
            retry_after: Some(Duration::from_millis(300)),
            ..Refused::new(StatusCode::TOO_MANY_REQUESTS, "x")
        };
        assert_eq!(refused.into_response(false).headers()["retry-after"], "1");
        let refused = Refused::new(StatusCode::UNAUTHORIZED, "x").into_response(true);
        assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    }
}
