//! The one gate every request passes: cross-site server-function calls are refused, and
//! everything except sign-in, setup, health and static files needs a session.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{auth::AuthSession, error::ServiceError, AppState};
use crate::domain::AppError;

const PUBLIC_PAGES: [&str; 3] = ["/login", "/setup", "/join"];
const SERVER_FN_PREFIX: &str = "/rpc/";
/// The server functions that work without a session: sign-in, first-run setup and joining
/// through an invitation (`api::auth`).
const PUBLIC_SERVER_FNS: [&str; 5] =
    ["/rpc/login", "/rpc/setup", "/rpc/setup_available", "/rpc/invitation", "/rpc/join"];

pub async fn guard(State(state): State<AppState>, session: Session, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with(SERVER_FN_PREFIX) {
        return guard_server_fn(&state, AuthSession::new(session), request, next).await;
    }
    if is_public(path) {
        return next.run(request).await;
    }
    // The member must still be one: a removed member's session ends on their next page.
    match super::auth::signed_in_account(&state.pool, &state.caches, &AuthSession::new(session)).await {
        Ok(Some(_)) => no_store(next.run(request).await),
        Ok(None) => redirect_to_sign_in(&request),
        Err(err) => session_failure(err),
    }
}

async fn guard_server_fn(state: &AppState, session: AuthSession, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && is_cross_site(request.headers(), &state.settings.public_origin) {
        tracing::warn!(path = request.uri().path(), "cross-site server-function call refused");
        return error_response(AppError::CrossSite);
    }
    if PUBLIC_SERVER_FNS.contains(&request.uri().path()) {
        return run_server_fn(state, request, next).await;
    }
    match session.user_id().await {
        Ok(Some(_)) => no_store(run_server_fn(state, request, next).await),
        // A form posted without JavaScript goes back to sign-in instead of showing JSON.
        Ok(None) if accepts_html(request.headers()) => Redirect::to("/login").into_response(),
        Ok(None) => error_response(AppError::Unauthorized),
        Err(err) => session_failure(err),
    }
}

/// The largest form a page posts without JavaScript (the server functions' own limits apply
/// to the rest).
const FORM_LIMIT: usize = 64 * 1024;

/// Runs a server function. A form posted without JavaScript is read first, so that if it is
/// refused, what was typed goes back to the form with the error (see `form_flash`).
async fn run_server_fn(state: &AppState, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !accepts_html(request.headers()) {
        return with_error_status(next.run(request).await).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(form) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response();
    };
    let response = next.run(Request::from_parts(parts, axum::body::Body::from(form.clone()))).await;
    let settings = &state.settings;
    super::form_flash::keep_refused_form(&settings.secret_key, settings.is_https(), &form, response)
}

/// Server functions answer every error with 500; give each `AppError` its own status
/// (422 invalid input, 404 unknown record, 400 undecodable arguments, …) in this one place.
async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Signed-in pages and data are never kept by the browser or a proxy: Back after signing
/// out, or after a token reveal, must not show them again.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

fn is_public(path: &str) -> bool {
    PUBLIC_PAGES.contains(&path)
        || path == "/healthz"
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        // The Developer API authenticates every request with its own token.
        || path.starts_with("/api/")
}

/// A request is cross-site when the browser says so: an `Origin` other than the console's,
/// or `Sec-Fetch-Site: cross-site`. Clients that send neither (curl, scripts) are not browsers
/// and carry no ambient cookies to abuse.
fn is_cross_site(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.as_bytes() != public_origin.as_bytes();
    }
    headers.get("sec-fetch-site").is_some_and(|site| site.as_bytes() == b"cross-site")
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

fn redirect_to_sign_in(request: &Request) -> Response {
    let wanted = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let target = if wanted == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect::<String>())
    };
    Redirect::to(&target).into_response()
}

/// The session could not be read: logged, and answered as an unexpected failure.
fn session_failure(err: ServiceError) -> Response {
    err.log_if_unexpected();
    error_response(AppError::Internal)
}

/// The same JSON body a server function returns for an error, so the browser client decodes it.
fn error_response(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), header::HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn cross_site_detection() {
        let origin = "http://127.0.0.1:3000";
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:3000")]), origin));
        assert!(is_cross_site(&headers(&[("origin", "http://evil.example")]), origin));
        assert!(is_cross_site(&headers(&[("origin", "http://127.0.0.1:3001")]), origin));
        assert!(is_cross_site(&headers(&[("origin", "null")]), origin));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), origin));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")]), origin));
        assert!(!is_cross_site(&headers(&[]), origin));
    }

    /// Layers depend one way: pages -> api (server functions) -> server (services) -> data,
    /// with `domain` below all. So no file under `src/server` may import from `api`.
    #[test]
    fn the_server_does_not_depend_on_the_server_functions() {
        fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    found.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server"), &mut files);
        assert!(files.len() > 20, "{files:?}");
        let upward = ["crate::", "api"].concat();
        let offenders: Vec<_> =
            files.iter().filter(|file| std::fs::read_to_string(file).unwrap().contains(&upward)).collect();
        assert!(offenders.is_empty(), "{upward} named in {offenders:?}");
    }

    #[test]
    fn only_sign_in_setup_health_and_assets_are_public() {
        for path in ["/login", "/setup", "/join", "/healthz", "/pkg/bento-console.wasm", "/favicon.svg"] {
            assert!(is_public(path), "{path}");
        }
        for path in ["/", "/api_tokens", "/deployments", "/login/x", "/setupx", "/nope"] {
            assert!(!is_public(path), "{path}");
        }
    }
}
