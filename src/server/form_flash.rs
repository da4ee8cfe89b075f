//! The server's half of [`FormFlash`]: a form posted without JavaScript that a server function
//! refused is answered with a redirect back to the form, and Leptos would put the error into
//! that URL (`?__path=…&__err=<base64>`), where it stays in the address bar, the history and
//! the logs, and the form comes back empty. Instead the guard takes the error out of the URL
//! and seals it, with what was typed (never a password), into a cookie encrypted with the
//! server's key (`HttpOnly`, `SameSite=Strict`, one minute); the next render opens it once.

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::Response,
};
use cookie::{Cookie, CookieJar, Key, SameSite};

use crate::domain::FormFlash;

const COOKIE: &str = "bento_console_form";
const TTL_SECONDS: i64 = 60;
/// Browsers keep cookies up to 4 KiB; what was typed beyond this is not brought back.
const MAX_VALUES_BYTES: usize = 2_500;

/// When `response` sends a refused form back to its page, moves the error out of the URL into
/// the sealed cookie, with `form` (the posted body) as what was typed.
pub fn keep_refused_form(key: &Key, secure: bool, form: &[u8], mut response: Response) -> Response {
    if response.status() != StatusCode::FOUND {
        return response;
    }
    let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return response;
    };
    let Some((clean, path, error)) = split_error(location) else { return response };
    let mut values = Vec::new();
    let mut size = 0;
    for (name, value) in url::form_urlencoded::parse(form) {
        size += name.len() + value.len();
        if FormFlash::keeps(&name) && size <= MAX_VALUES_BYTES {
            values.push((name.into_owned(), value.into_owned()));
        }
    }
    let flash = FormFlash { path, error, values };
    let Ok(value) = serde_json::to_string(&flash) else { return response };
    let mut jar = CookieJar::new();
    jar.private_mut(key).add(
        Cookie::build((COOKIE, value))
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict)
            .max_age(cookie::time::Duration::seconds(TTL_SECONDS)),
    );
    let headers = response.headers_mut();
    if let Ok(clean) = HeaderValue::from_str(&clean) {
        headers.insert(header::LOCATION, clean);
    }
    for cookie in jar.delta() {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `location` without Leptos's error parameters, and their values; `None` without an error.
fn split_error(location: &str) -> Option<(String, String, String)> {
    let mut url = url::Url::parse(location).ok()?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let find = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let (path, error) = (find("__path")?, find("__err")?);
    let kept: Vec<_> = pairs.iter().filter(|(key, _)| key != "__path" && key != "__err").collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    // The page's own query keeps its shape: `?create`, not `?create=`.
    let clean = url.as_str().replace("=&", "&").trim_end_matches('=').to_owned();
    Some((clean, path, error))
}

/// The flash waiting in the request's cookies, if it opens with `key`, and the `Set-Cookie`
/// value that deletes it (sent whether or not it opened).
pub fn take(key: &Key, headers: &HeaderMap, secure: bool) -> (Option<FormFlash>, Option<String>) {
    let raw = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned());
    let Some(raw) = raw else { return (None, None) };
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(COOKIE, raw));
    let opened = jar.private(key).get(COOKIE).and_then(|cookie| serde_json::from_str(cookie.value()).ok());
    jar.remove(Cookie::build((COOKIE, "")).path("/").http_only(true).secure(secure).same_site(SameSite::Strict));
    let removal = jar.delta().next().map(|cookie| cookie.to_string());
    (opened, removal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_leaves_the_url_and_the_page_query_stays() {
        let (clean, path, error) =
            split_error("http://h:3000/api_tokens?page=2&create=&__path=%2Frpc%2Fcreate_api_token&__err=eyJ9").unwrap();
        assert_eq!(clean, "http://h:3000/api_tokens?page=2&create");
        assert_eq!((path.as_str(), error.as_str()), ("/rpc/create_api_token", "eyJ9"));
        let (clean, ..) = split_error("http://h/login?__path=%2Frpc%2Flogin&__err=x").unwrap();
        assert_eq!(clean, "http://h/login");
        assert!(split_error("http://h/api_tokens?created").is_none());
    }

    #[test]
    fn what_was_typed_comes_back_once_without_the_password() {
        let key = Key::generate();
        let response = Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, "http://h/login?__path=%2Frpc%2Flogin&__err=x")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = keep_refused_form(&key, false, b"email=ada%40example.com&password=hunter22", response);
        assert_eq!(response.headers()[header::LOCATION], "http://h/login");
        let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
        assert!(!set.contains("hunter22") && !set.contains("ada"), "sealed: {set}");
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(set.split(';').next().unwrap()).unwrap());
        let (flash, removal) = take(&key, &headers, false);
        let flash = flash.unwrap();
        assert_eq!(flash.value("email"), Some("ada@example.com"));
        assert_eq!(flash.value("password"), None);
        assert!(removal.unwrap().contains("Max-Age=0"));
        let (other, _) = take(&Key::generate(), &headers, false);
        assert!(other.is_none(), "another key opens nothing");
    }
}
