//! Compression of what the console's router renders: pages, server-function results, the
//! Developer API's JSON, brotli or gzip as the request accepts. Deployments' responses never
//! come through here (the gateway answers them before the router, `listen::entrance`), and
//! the static bundle is compressed once at build time (`assets`): a response that already
//! has a `Content-Encoding` is left as it is. tower-http's default predicate also leaves
//! alone what must not be buffered or gains nothing: event streams, gRPC, images, and bodies
//! under 32 bytes.
//!
//! BREACH: compression leaks, through the response's length, how much of an attacker's
//! input reflected in a page matches a secret in the same page, given many requests for the
//! same secret. The console's pages hold a secret in one place only: the one-time reveal
//! after a form posted without JavaScript (a new token, an invitation link), which arrives on
//! a short-lived cookie (`SameSite=Strict`, so a request another site starts does not carry
//! it) and is shown once. A request that carries any of the console's cookies other than the
//! session (the reveals, the refused-form cookie) is answered uncompressed all the same, so
//! a response with such a secret is never compressed. Everything else that carries a secret
//! is answered to a same-origin POST (the guard refuses cross-site server-function calls)
//! with a secret that is new in each response; the CSP nonce changes in each response too.

use axum::{
    extract::Request,
    http::{header, HeaderMap},
    middleware::Next,
    response::Response,
};
use tower_http::compression::{CompressionLayer, CompressionLevel};

use super::{request_cookies, SESSION_COOKIE};

/// brotli and gzip at level 4: a page of 50 KB compresses in well under a millisecond, to
/// within a few percent of the best levels, which cost tens of milliseconds for brotli.
pub fn layer() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(4))
}

/// Goes outside [`layer`]: takes `Accept-Encoding` off a request that carries a one-time
/// cookie, so its response (which may show a secret) is sent uncompressed.
pub async fn uncompressed_with_one_time_cookies(mut request: Request, next: Next) -> Response {
    if carries_one_time_cookie(request.headers()) {
        request.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    next.run(request).await
}

/// Whether the request carries one of the console's cookies (`bento_console_…`) other than
/// the session's: the short-lived ones of the no-JavaScript reveals and refused forms.
fn carries_one_time_cookie(headers: &HeaderMap) -> bool {
    request_cookies(headers).any(|(name, _)| name.starts_with("bento_console_") && name != SESSION_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, http::HeaderValue, routing::get, Router};
    use tower::ServiceExt;

    fn page() -> String {
        "<p>a page long enough to be worth compressing</p>".repeat(40)
    }

    async fn get_page(cookie: Option<&str>, accept_encoding: &str) -> Response {
        let router = Router::new()
            .route("/page", get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page()) }))
            .layer(layer())
            .layer(axum::middleware::from_fn(uncompressed_with_one_time_cookies));
        let mut request = Request::builder().uri("/page").header(header::ACCEPT_ENCODING, accept_encoding);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
    }

    fn encoding(response: &Response) -> Option<&HeaderValue> {
        response.headers().get(header::CONTENT_ENCODING)
    }

    #[tokio::test]
    async fn pages_are_compressed_as_accepted() {
        let response = get_page(Some("bento_console_session=abc"), "gzip, deflate, br, zstd").await;
        assert_eq!(encoding(&response).unwrap(), "br");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let response = get_page(None, "gzip, deflate").await;
        assert_eq!(encoding(&response).unwrap(), "gzip");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        assert!(body.len() < page().len() / 4, "{} bytes", body.len());
    }

    #[tokio::test]
    async fn a_request_with_a_one_time_cookie_is_answered_uncompressed() {
        for cookie in [
            "bento_console_session=abc; bento_console_reveal=sealed",
            "bento_console_invitation=sealed",
            "other=1;bento_console_form=sealed",
        ] {
            let response = get_page(Some(cookie), "gzip, br").await;
            assert_eq!(encoding(&response), None, "{cookie}");
            let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
            assert_eq!(body, page());
        }
        // Only the console's own cookies count.
        let response = get_page(Some("theme=dark; session=x"), "br").await;
        assert_eq!(encoding(&response).unwrap(), "br");
    }

    #[tokio::test]
    async fn event_streams_are_not_compressed() {
        let router = Router::new()
            .route("/events", get(|| async { ([(header::CONTENT_TYPE, "text/event-stream")], page()) }))
            .layer(layer());
        let request = Request::builder().uri("/events").header(header::ACCEPT_ENCODING, "br").body(Body::empty());
        let response = router.oneshot(request.unwrap()).await.unwrap();
        assert_eq!(encoding(&response), None);
    }
}
