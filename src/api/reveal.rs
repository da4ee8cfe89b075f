//! One-time reveals for forms posted without JavaScript: a new token's secret, a new
//! invitation's link.
//!
//! Such a post is answered with a redirect, which drops the server function's response. The
//! created token (or link) rides on that redirect in a cookie encrypted and authenticated with the
//! replicas' shared key (AES-256-GCM, `--secret-key`), so whichever replica renders the next
//! page can show it, and the secret is never written to the database or to any server's
//! memory beyond the request. The cookie is `HttpOnly`, `SameSite=Strict`, scoped to the page
//! that shows it, lives five minutes at most, is bound to the session that created the token,
//! and is deleted by the render that shows it.

use axum::http::{header, HeaderValue};
use cookie::{Cookie, CookieJar, Key, SameSite};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AppError;
use crate::server::{auth::AuthSession, db};

const TTL_SECONDS: i64 = 300;

/// Where a reveal is shown: its cookie, sent only to that page.
pub struct Place {
    cookie: &'static str,
    path: &'static str,
}

/// A token created or regenerated (the list and the token pages are under `/api_tokens`).
pub const TOKENS: Place = Place { cookie: "bento_console_reveal", path: "/api_tokens" };
/// An invitation's one-time link.
pub const INVITATIONS: Place = Place { cookie: "bento_console_invitation", path: "/members" };

#[derive(Serialize, Deserialize)]
struct Sealed<T> {
    created: T,
    /// Unix time after which the reveal is void.
    until: i64,
    /// SHA-256 of the session id: another session's cookie reveals nothing.
    session: String,
}

/// Puts `created` on the response, for the next render of `place` in this session.
pub fn put<T: Serialize>(
    place: &Place,
    key: &Key,
    session: &AuthSession,
    secure: bool,
    created: T,
) -> Result<(), AppError> {
    let session = session_tag(session)
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("no session to bind the reveal to")))?;
    let sealed = Sealed { created, until: db::now() + TTL_SECONDS, session };
    let value = serde_json::to_string(&sealed).map_err(AppError::unexpected)?;
    let mut jar = CookieJar::new();
    jar.private_mut(key).add(
        Cookie::build((place.cookie, value))
            .path(place.path)
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict)
            .max_age(cookie::time::Duration::seconds(TTL_SECONDS)),
    );
    set_cookies(&jar)
}

/// The reveal waiting at `place` for this session, once: the cookie is deleted by the same
/// response.
pub fn take<T: DeserializeOwned>(
    place: &Place,
    key: &Key,
    session: &AuthSession,
    secure: bool,
) -> Result<Option<T>, AppError> {
    let parts = use_context::<axum::http::request::Parts>();
    let Some(raw) = parts.as_ref().and_then(|parts| find_cookie(&parts.headers, place.cookie)) else {
        return Ok(None);
    };
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(place.cookie, raw));
    let opened = jar.private(key).get(place.cookie);
    let removal =
        Cookie::build((place.cookie, "")).path(place.path).http_only(true).secure(secure).same_site(SameSite::Strict);
    jar.remove(removal);
    set_cookies(&jar)?;
    let Some(opened) = opened else { return Ok(None) };
    let Ok(sealed) = serde_json::from_str::<Sealed<T>>(opened.value()) else { return Ok(None) };
    let fresh = sealed.until >= db::now();
    let same_session = session_tag(session).is_some_and(|tag| tag == sealed.session);
    Ok((fresh && same_session).then_some(sealed.created))
}

fn session_tag(session: &AuthSession) -> Option<String> {
    let id = session.id()?;
    Some(Sha256::digest(id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect())
}

fn find_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    crate::server::request_cookies(headers).find(|(key, _)| *key == name).map(|(_, value)| value.to_owned())
}

/// Adds the jar's changes to the response as `Set-Cookie` headers.
fn set_cookies(jar: &CookieJar) -> Result<(), AppError> {
    let response = use_context::<ResponseOptions>()
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("ResponseOptions missing from the context")))?;
    for cookie in jar.delta() {
        let value = HeaderValue::from_str(&cookie.to_string()).map_err(AppError::unexpected)?;
        response.append_header(header::SET_COOKIE, value);
    }
    Ok(())
}
