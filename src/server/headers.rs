//! Security headers on every response of the console's router: pages, server functions, the
//! REST API and static files. (The gateway's responses come from the deployments and do not
//! pass through here.)
//!
//! A page gets a strict Content-Security-Policy: scripts run only with the nonce Leptos puts
//! on its hydration scripts, fresh for each render. Everything else gets a policy that allows
//! nothing, so a JSON body or an asset opened as a document can run nothing either.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

use super::Settings;

/// For every response that is not a page.
pub const NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'";

/// A page's policy. `'strict-dynamic'` lets the nonce'd module script load the app's JS glue;
/// `'wasm-unsafe-eval'` lets it compile the WebAssembly. Styles come from the stylesheet only.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
         object-src 'none'"
    )
}

/// Sends the page policy with this render's nonce. The shell calls it while it renders; only
/// the render knows the nonce (leptos_axum makes a new one for each request).
pub fn send_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    if let Ok(policy) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, policy);
    }
}

/// The middleware. A response without its own policy gets [`NOT_A_PAGE`] (a page whose render
/// did not set one therefore fails closed). `Referrer-Policy: same-origin`: other sites (the
/// deployments' URLs included) get no referrer at all, but not `no-referrer`, under which
/// browsers send `Origin: null` with the console's own forms posted without JavaScript, which
/// the guard refuses as cross-site (and leptos_axum needs the `Referer` to send a form's error
/// back to its page). HSTS only when the public URL is https.
pub async fn security_headers(State(settings): State<Arc<Settings>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(NOT_A_PAGE));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if settings.is_https() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}
