//! `bentoml cloud login` through the browser: the CLI's code and polls (REST, no credentials),
//! the member's answer (server functions), on both engines.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

async fn signed_in_app() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    app
}

/// What the CLI does first: `GET /api/v1/auth/code`.
async fn new_code(app: &TestApp) -> String {
    let response = reqwest::get(app.url("/api/v1/auth/code")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned()
}

/// What the CLI does once a second: `GET /api/v1/auth/token?code=…`.
async fn poll(app: &TestApp, code: &str) -> (StatusCode, Value) {
    let response =
        reqwest::Client::new().get(app.url("/api/v1/auth/token")).query(&[("code", code)]).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (response.status(), response.json().await.unwrap())
}

async fn approve(app: &TestApp, code: &str, name: &str) -> reqwest::Response {
    let form = [("code", code), ("name", name), ("description", ""), ("expiration", "30")];
    app.call("approve_cli_login", &form).await
}

async fn request(app: &TestApp, code: &str) -> Value {
    let response = app.call("find_cli_login", &[("code", code)]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_confirmed_sign_in_hands_the_cli_a_developer_token_exactly_once() {
    let app = signed_in_app().await;
    let code = new_code(&app).await;
    assert_eq!(code.len(), 32, "190 random bits");
    let (status, pending) = poll(&app, &code).await;
    assert_eq!((status, pending["status"].clone()), (StatusCode::BAD_REQUEST, "authorization_pending".into()));

    let shown = request(&app, &code).await;
    assert_eq!(shown["status"], "Pending");
    assert_eq!(shown["requested_from"], "127.0.0.1");
    let today = bento_console::domain::time::date(shown["now"].as_i64().unwrap());
    assert_eq!(shown["suggested_name"], format!("bentoml CLI on {today}"));
    assert_eq!(shown["expires_at"].as_i64().unwrap() - shown["requested_at"].as_i64().unwrap(), 600);

    assert_eq!(approve(&app, &code, shown["suggested_name"].as_str().unwrap()).await.status(), 200);
    let db = database(&app.dir).await;
    let sealed = sealed_secrets(&db).await;
    assert_eq!(sealed.len(), 1, "the secret waits, sealed");
    assert_eq!(request(&app, &code).await["status"], "Approved");

    let (status, answer) = poll(&app, &code).await;
    assert_eq!(status, 200, "{answer}");
    let token = answer["token"].as_str().unwrap().to_owned();
    assert!(!sealed[0].windows(token.len()).any(|w| w == token.as_bytes()), "never stored in the clear");
    assert!(sealed_secrets(&db).await.is_empty(), "collecting erases it");
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/auth/current"))
        .header("X-YATAI-API-TOKEN", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "a Developer token");

    let (status, again) = poll(&app, &code).await;
    assert_eq!((status, again["status"].clone()), (StatusCode::GONE, "already_used".into()));
    assert!(again.get("token").is_none());
    assert_eq!(request(&app, &code).await["status"], "Collected");
    let list: Value =
        app.call("list_api_tokens", &[("search", "bentoml CLI"), ("page", "1")]).await.json().await.unwrap();
    let listed = &list["items"][0];
    assert_eq!((listed["is_developer"].clone(), listed["is_user"].clone()), (Value::Bool(true), Value::Bool(false)));
    let lifetime = listed["expires_at"].as_i64().unwrap() - listed["created_at"].as_i64().unwrap();
    assert_eq!(lifetime, 30 * 86_400, "the default expiry");

    // The next sign-in the same day is offered a name no token has.
    let second = request(&app, &new_code(&app).await).await;
    assert_ne!(second["suggested_name"], listed["name"]);
    assert!(second["suggested_name"].as_str().unwrap().starts_with("bentoml CLI on "));
}

async fn sealed_secrets(db: &bento_console::server::db::Pool) -> Vec<Vec<u8>> {
    match db {
        bento_console::server::db::Pool::Sqlite(pool, _) => {
            sqlx::query_scalar("select sealed_secret from cli_logins where sealed_secret is not null")
                .fetch_all(pool)
                .await
                .unwrap()
        }
        bento_console::server::db::Pool::Postgres(pool) => {
            sqlx::query_scalar("select sealed_secret from cli_logins where sealed_secret is not null")
                .fetch_all(pool)
                .await
                .unwrap()
        }
    }
}

#[tokio::test]
async fn a_declined_sign_in_gives_no_token_and_its_code_is_dead() {
    let app = signed_in_app().await;
    let code = new_code(&app).await;
    assert_eq!(app.call("decline_cli_login", &[("code", &code)]).await.status(), 200);
    let (status, declined) = poll(&app, &code).await;
    assert_eq!((status, declined["status"].clone()), (StatusCode::FORBIDDEN, "access_denied".into()));
    assert!(declined["error"].as_str().unwrap().contains("declined"));
    assert_eq!(request(&app, &code).await["status"], "Declined");

    let late = approve(&app, &code, "too late").await;
    assert_eq!(late.status(), 403);
    assert!(error_body(late).await.to_string().contains("already been answered"));
    assert_eq!(app.call("decline_cli_login", &[("code", &code)]).await.status(), 403);
    let list: Value = app.call("list_api_tokens", &[("search", ""), ("page", "1")]).await.json().await.unwrap();
    assert_eq!(list["total"], 0, "no token was made");
}

#[tokio::test]
async fn codes_expire_after_ten_minutes_even_once_approved() {
    let app = signed_in_app().await;
    let (pending, approved) = (new_code(&app).await, new_code(&app).await);
    assert_eq!(approve(&app, &approved, "approved").await.status(), 200);
    database(&app.dir).await.execute("update cli_logins set expires_at = expires_at - 600").await.unwrap();
    for code in [&pending, &approved] {
        let (status, expired) = poll(&app, code).await;
        assert_eq!((status, expired["status"].clone()), (StatusCode::GONE, "expired_token".into()));
        assert_eq!(request(&app, code).await["status"], "Expired");
    }
    let late = approve(&app, &pending, "late").await;
    assert_eq!(late.status(), 403);
    assert!(error_body(late).await.to_string().contains("expired"));
}

#[tokio::test]
async fn unknown_codes_and_deleted_tokens_get_clear_answers() {
    let app = signed_in_app().await;
    for unknown in ["", "nope", &"A".repeat(32)] {
        let (status, body) = poll(&app, unknown).await;
        assert_eq!((status, body["status"].clone()), (StatusCode::NOT_FOUND, "unknown_code".into()), "{unknown:?}");
        assert_eq!(request(&app, unknown).await, Value::Null);
        assert_eq!(approve(&app, unknown, "x").await.status(), 404);
    }
    let code = new_code(&app).await;
    assert_eq!(approve(&app, &code, "doomed").await.status(), 200);
    let list: Value = app.call("list_api_tokens", &[("search", "doomed"), ("page", "1")]).await.json().await.unwrap();
    app.call("delete_api_token", &[("id", &list["items"][0]["id"].to_string())]).await;
    let (status, body) = poll(&app, &code).await;
    assert_eq!((status, body["status"].clone()), (StatusCode::GONE, "token_deleted".into()));
}

#[tokio::test]
async fn a_failed_approval_changes_nothing_and_answering_needs_a_session() {
    let app = signed_in_app().await;
    let code = new_code(&app).await;
    let bad = approve(&app, &code, "  ").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(error_body(bad).await["Invalid"]["field"], "name");
    assert_eq!(request(&app, &code).await["status"], "Pending", "still answerable");
    assert_eq!(approve(&app, &code, "taken").await.status(), 200);
    let another = new_code(&app).await;
    assert_eq!(approve(&app, &another, "TAKEN").await.status(), 422, "names are unique");
    assert_eq!(request(&app, &another).await["status"], "Pending");

    app.sign_out().await;
    assert_eq!(app.call("find_cli_login", &[("code", &another)]).await.status(), 401);
    assert_eq!(approve(&app, &another, "anon").await.status(), 401);
    assert_eq!(app.call("decline_cli_login", &[("code", &another)]).await.status(), 401);
    // The page itself sends a signed-out visitor to sign in, keeping the whole link.
    let page = app.get(&format!("/api_tokens?code={another}")).await;
    assert_eq!(page.status(), 303);
    let location = page.headers()["location"].to_str().unwrap();
    assert_eq!(location, format!("/login?next=%2Fapi_tokens%3Fcode%3D{another}"));
}

#[tokio::test]
async fn codes_and_polls_are_limited_per_address() {
    let app = signed_in_app().await;
    let mut codes = Vec::new();
    for _ in 0..10 {
        codes.push(new_code(&app).await);
    }
    let refused = reqwest::get(app.url("/api/v1/auth/code")).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("Try again in"));

    for _ in 0..120 {
        assert_eq!(poll(&app, &codes[0]).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, body) = poll(&app, &codes[0]).await;
    assert_eq!((status, body["status"].clone()), (StatusCode::TOO_MANY_REQUESTS, "slow_down".into()));
    // Signing in through the console is limited on its own.
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
}
