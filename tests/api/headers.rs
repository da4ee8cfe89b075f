//! Security headers: a page's Content-Security-Policy carries the nonce of its own scripts,
//! fresh per response; everything else gets a policy that allows nothing.

use std::sync::Arc;

use reqwest::{header, Response};

use crate::helpers::*;

const NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'";

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|value| value.to_str().unwrap())
}

fn assert_common_headers(response: &Response, what: &str) {
    assert_eq!(header(response, "x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(header(response, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(header(response, "referrer-policy"), Some("same-origin"), "{what}");
}

/// The page's policy and body, and the nonce the policy allows.
async fn page(app: &TestApp, path: &str) -> (String, String, String) {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200);
    assert_common_headers(&response, path);
    let policy = header(&response, "content-security-policy").expect("a page has a policy").to_owned();
    let nonce = policy
        .split_once("script-src 'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .unwrap_or_else(|| panic!("no script nonce in {policy}"));
    (policy, nonce, response.text().await.unwrap())
}

#[tokio::test]
async fn pages_get_a_strict_policy_whose_nonce_is_fresh_and_on_every_script() {
    let app = spawn_app().await;
    let (policy, nonce, html) = page(&app, "/login").await;
    assert!(nonce.len() >= 16, "{nonce}");
    for directive in [
        "default-src 'self'",
        "'strict-dynamic' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let scripts: Vec<&str> =
        html.match_indices("<script").map(|(at, _)| &html[at..at + html[at..].find('>').unwrap()]).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        assert!(script.contains(&format!("nonce=\"{nonce}\"")), "{script} lacks the nonce {nonce}");
    }

    let (_, next_nonce, _) = page(&app, "/login").await;
    assert_ne!(nonce, next_nonce, "a nonce is used once");
    // The not-found page is rendered by another handler, with the same policy.
    assert_eq!(app.setup_admin().await.status(), 200);
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status(), 404);
    assert!(header(&missing, "content-security-policy").unwrap().contains("'nonce-"));
}

#[tokio::test]
async fn everything_else_gets_a_policy_that_allows_nothing() {
    let app = spawn_app().await;
    let responses = [
        ("health", app.get("/healthz").await),
        ("REST API", app.get("/api/v2/deployments").await),
        ("server function", app.call("current_account", &[]).await),
        ("redirect to sign-in", app.get("/deployments").await),
    ];
    for (what, response) in responses {
        assert_eq!(header(&response, "content-security-policy"), Some(NOT_A_PAGE), "{what}: {}", response.status());
        assert_common_headers(&response, what);
        assert_eq!(header(&response, "strict-transport-security"), None, "{what}: no HSTS over http");
    }
}

#[tokio::test]
async fn hsts_only_when_the_console_is_served_over_https() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = config_for(&dir);
    config.public_url = Some("https://console.example.com".parse().unwrap());
    let app = spawn_app_with(config, dir, browser_like_client()).await;
    for path in ["/healthz", "/login"] {
        let response = app.get(path).await;
        assert_eq!(header(&response, header::STRICT_TRANSPORT_SECURITY.as_str()), Some("max-age=31536000"), "{path}");
    }
}
