use bento_console::server::{db, tokens};
use serde_json::Value;

use crate::helpers::*;

async fn signed_in_app() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    app
}

async fn deployment(app: &TestApp, name: &str, access: &str) -> String {
    let response = app
        .call(
            "create_deployment",
            &[("name", name), ("description", ""), ("upstream_url", "http://127.0.0.1:3999"), ("access", access)],
        )
        .await;
    assert_eq!(response.status(), 200);
    let list: Value = app.call("list_deployments", &[]).await.json().await.unwrap();
    list["items"].as_array().unwrap().iter().find(|d| d["name"] == name).unwrap()["id"].to_string()
}

/// Creates a token from form fields; returns the raw response.
async fn create(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = fields.to_vec();
    for default in [("description", ""), ("expiration", "never"), ("confirm_never", "on")] {
        if !fields.iter().any(|(key, _)| *key == default.0) {
            form.push(default);
        }
    }
    app.call("create_api_token", &form).await
}

async fn create_ok(app: &TestApp, fields: &[(&str, &str)]) -> Value {
    let response = create(app, fields).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn list(app: &TestApp, search: &str, page: u32) -> Value {
    let response = app.call("list_api_tokens", &[("search", search), ("page", &page.to_string())]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn pool(app: &TestApp) -> db::Pool {
    database(&app.dir).await
}

#[tokio::test]
async fn a_developer_token_is_revealed_once_with_the_login_command() {
    let app = signed_in_app().await;
    let created =
        create_ok(&app, &[("name", "CI deploy"), ("developer", "on"), ("description", "GitHub Actions")]).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("bcst_") && secret.len() == 54, "{secret}");
    assert_eq!(
        created["login_command"],
        format!("bentoml cloud login --api-token {secret} --endpoint {}", app.base_url)
    );
    let token = &created["token"];
    assert_eq!(token["name"], "CI deploy");
    assert_eq!(token["description"], "GitHub Actions");
    assert_eq!(token["is_developer"], true);
    assert_eq!(token["is_user"], false);
    assert_eq!(token["prefix"], &secret[..9]);
    assert_eq!(token["last_used_at"], Value::Null);
    assert_eq!(token["created_by"], "Ada Lovelace");
}

#[tokio::test]
async fn a_user_token_names_its_deployments_and_gets_curl_examples() {
    let app = signed_in_app().await;
    let summarize = deployment(&app, "summarize", "protected").await;
    let internal = deployment(&app, "internal", "private").await;
    let created = create_ok(
        &app,
        &[("name", "frontend"), ("user", "on"), ("deployment_ids[]", &summarize), ("deployment_ids[]", &internal)],
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    let names: Vec<&str> =
        created["token"]["deployments"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["internal", "summarize"]);
    assert_eq!(created["login_command"], Value::Null, "User-only tokens cannot log in to the API");
    let curls = created["curl_examples"].as_array().unwrap();
    assert_eq!(curls.len(), 1, "none for the Private deployment");
    let curl = curls[0]["command"].as_str().unwrap();
    let port = app.base_url.rsplit(':').next().unwrap();
    // Its upstream is down, so it cannot say which routes it serves: the call says what to fill in.
    assert!(
        curl.starts_with(&format!("curl \"http://summarize.mybentocloud.apps.localhost:{port}/YOUR_ROUTE\"")),
        "{curl}"
    );
    assert!(curl.contains(&format!("-H \"Authorization: Bearer {secret}\"")), "{curl}");
    assert!(curls[0]["note"].as_str().unwrap().contains("/docs.json"), "{}", curls[0]);

    // Deleting a deployment removes its grant.
    assert_eq!(app.call("delete_deployment", &[("id", &internal)]).await.status(), 200);
    let page = list(&app, "", 1).await;
    assert_eq!(page["items"][0]["deployments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_bad_input_is_refused_with_a_clear_message_and_nothing_stored() {
    let app = signed_in_app().await;
    let summarize = deployment(&app, "summarize", "protected").await;
    let doomed = deployment(&app, "doomed", "protected").await;
    assert_eq!(app.call("delete_deployment", &[("id", &doomed)]).await.status(), 200);
    create_ok(&app, &[("name", "Taken Name"), ("developer", "on")]).await;

    let long_name = "n".repeat(65);
    let long_description = "d".repeat(501);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("name", ""), ("developer", "on")], "name", "Name is required."),
        (vec![("name", "   "), ("developer", "on")], "name", "Name is required."),
        (vec![("name", &long_name), ("developer", "on")], "name", "at most 64 characters"),
        (vec![("name", "tab\there"), ("developer", "on")], "name", "control characters"),
        (vec![("name", "taken name"), ("developer", "on")], "name", "already exists"),
        (vec![("name", "x"), ("developer", "on"), ("description", &long_description)], "description", "at most 500"),
        (vec![("name", "x")], "token_types", "Select at least one token type: User or Developer."),
        (vec![("name", "x"), ("deployment_ids[]", &summarize)], "token_types", "Select at least one token type"),
        (
            vec![("name", "x"), ("user", "on")],
            "deployments",
            "Choose at least one deployment for the User token, or All deployments.",
        ),
        (vec![("name", "x"), ("user", "on"), ("deployment_ids[]", "999999")], "deployments", "does not exist"),
        (vec![("name", "x"), ("user", "on"), ("deployment_ids[]", &doomed)], "deployments", "does not exist"),
        (
            vec![("name", "x"), ("developer", "on"), ("expiration", "custom"), ("expires_on", "2020-01-01")],
            "expiration",
            "must be in the future",
        ),
        (
            vec![("name", "x"), ("developer", "on"), ("expiration", "custom"), ("expires_on", "soon")],
            "expiration",
            "YYYY-MM-DD",
        ),
        (vec![("name", "x"), ("developer", "on"), ("expiration", "365")], "expiration", "Choose No expiration"),
    ];
    for (fields, field, message) in cases {
        let response = create(&app, &fields).await;
        assert_eq!(response.status(), 422, "{fields:?}");
        let body = error_body(response).await;
        assert_eq!(body["Invalid"]["field"], field, "{fields:?}: {body}");
        assert!(body["Invalid"]["message"].as_str().unwrap().contains(message), "{fields:?}: {body}");
    }
    let bad_id = create(&app, &[("name", "x"), ("user", "on"), ("deployment_ids[]", "abc")]).await;
    assert_eq!(bad_id.status(), 400, "an id that is not a number");
    assert_eq!(list(&app, "", 1).await["total"], 1, "only the first token exists");

    // A cross-site post and a post without a session change nothing either.
    let cross = app
        .call_from(
            "http://evil.example",
            "create_api_token",
            &[
                ("name", "evil"),
                ("developer", "on"),
                ("description", ""),
                ("expiration", "never"),
                ("confirm_never", "on"),
            ],
        )
        .await;
    assert_eq!(cross.status(), 403);
    app.sign_out().await;
    assert_eq!(create(&app, &[("name", "late"), ("developer", "on")]).await.status(), 401);
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(list(&app, "", 1).await["total"], 1);
}

#[tokio::test]
async fn the_secret_is_in_exactly_one_response_and_never_in_the_database() {
    let app = signed_in_app().await;
    let summarize = deployment(&app, "summarize", "protected").await;
    let created =
        create_ok(&app, &[("name", "once"), ("user", "on"), ("developer", "on"), ("deployment_ids[]", &summarize)])
            .await;
    let secret = created["secret"].as_str().unwrap().to_owned();

    let page = app.get("/api_tokens").await;
    assert_eq!(page.headers()["cache-control"], "no-store", "Back must not show an old page");
    let after = [
        app.call("list_api_tokens", &[("search", ""), ("page", "1")]).await.text().await.unwrap(),
        app.get("/api_tokens").await.text().await.unwrap(),
        app.get("/api_tokens?created").await.text().await.unwrap(),
        app.call("take_revealed_token", &[]).await.text().await.unwrap(),
        app.get("/deployments").await.text().await.unwrap(),
    ];
    for body in &after {
        assert!(!body.contains(&secret), "the secret leaked into a later response");
        assert!(!body.contains(&secret[9..]), "part of the secret leaked");
    }

    // Nothing on disk holds it: the database, its WAL and shared memory, read as bytes.
    for file in ["console.db", "console.db-wal", "console.db-shm"] {
        let bytes = std::fs::read(app.dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{file} contains the secret");
        assert!(!bytes.windows(20).any(|w| w == &secret.as_bytes()[10..30]), "{file} contains part of the secret");
    }
}

#[tokio::test]
async fn without_javascript_the_secret_is_shown_on_the_next_render_only() {
    let app = signed_in_app().await;
    let response = app
        .client
        .post(app.url("/rpc/create_api_token"))
        .header("origin", &app.base_url)
        .header("accept", "text/html")
        .header("referer", app.url("/api_tokens?create"))
        .form(&[
            ("name", "no-js"),
            ("developer", "on"),
            ("description", ""),
            ("expiration", "never"),
            ("confirm_never", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/api_tokens?created");
    let page = app.get("/api_tokens?created").await.text().await.unwrap();
    let shown = full_tokens(&page).pop().expect("the reveal shows the token");
    assert!(page.contains("This is the only opportunity"));
    let again = app.get("/api_tokens?created").await.text().await.unwrap();
    assert!(!again.contains(&shown), "a reload shows it no more");
    assert!(full_tokens(&again).is_empty());
    let pool = pool(&app).await;
    assert!(verify(&pool, &shown).await.is_ok(), "the shown token is the real one");
}

#[tokio::test]
async fn names_and_descriptions_render_as_text() {
    let app = signed_in_app().await;
    create_ok(
        &app,
        &[("name", "<script>alert(1)</script>"), ("developer", "on"), ("description", "<img src=x onerror=alert(2)>")],
    )
    .await;
    let html = app.get("/api_tokens").await.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)") && !html.contains("<img src=x"), "markup must be escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[tokio::test]
async fn the_list_is_newest_first_paginated_and_searchable() {
    let app = signed_in_app().await;
    let pool = pool(&app).await;
    for i in 0..55 {
        create_ok(&app, &[("name", &format!("token {i:02}")), ("developer", "on")]).await;
        // Distinct creation times, oldest first.
        pool.execute(&format!(
            "update api_tokens set created_at = created_at - {} where name = 'token {i:02}'",
            1000 - i
        ))
        .await
        .unwrap();
    }
    create_ok(&app, &[("name", "100% Special_Case"), ("developer", "on")]).await;
    let first = list(&app, "", 1).await;
    assert_eq!(first["total"], 56);
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    assert_eq!(first["items"][0]["name"], "100% Special_Case");
    assert_eq!(first["items"][1]["name"], "token 54");
    let second = list(&app, "", 2).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 6);
    assert_eq!(second["items"][5]["name"], "token 00");
    assert_eq!(list(&app, "", 3).await["items"].as_array().unwrap().len(), 0);

    assert_eq!(list(&app, "TOKEN 1", 1).await["total"], 10, "case-insensitive contains");
    assert_eq!(list(&app, "%", 1).await["total"], 1, "% matches literally");
    assert_eq!(list(&app, "spe_ial", 1).await["total"], 0, "_ matches literally");
    assert_eq!(list(&app, "al_c", 1).await["total"], 1);
    let html = app.get("/api_tokens?q=token+0&page=1").await.text().await.unwrap();
    assert!(html.contains("Showing 1–10 of 10"), "server-rendered search");
}

#[tokio::test]
async fn verification_accepts_valid_tokens_and_refuses_the_rest() {
    let app = signed_in_app().await;
    let summarize = deployment(&app, "summarize", "protected").await;
    let pool = pool(&app).await;
    let user = create_ok(&app, &[("name", "user"), ("user", "on"), ("deployment_ids[]", &summarize)]).await;
    let dev = create_ok(&app, &[("name", "dev"), ("developer", "on"), ("expiration", "30")]).await;
    let (user_secret, dev_secret) = (user["secret"].as_str().unwrap(), dev["secret"].as_str().unwrap());

    let verified = verify(&pool, user_secret).await.unwrap();
    assert!(verified.is_user && !verified.is_developer);
    assert_eq!(verified.deployment_ids, vec![summarize.parse().unwrap()]);
    let verified = verify(&pool, dev_secret).await.unwrap();
    assert!(verified.is_developer && verified.deployment_ids.is_empty());

    // Tampered (checksum fails) and unknown (well-formed, never issued) tokens.
    let mut tampered = user_secret.to_owned();
    tampered.replace_range(20..21, if &user_secret[20..21] == "a" { "b" } else { "a" });
    assert_eq!(verify(&pool, &tampered).await, Err("malformed"));
    let unknown = tokens::secret::TokenSecret::generate();
    assert_eq!(verify(&pool, unknown.expose()).await, Err("unknown"));

    // Expired: move its expiry into the past.
    pool.execute(&format!("update api_tokens set expires_at = {} where name = 'dev'", db::now() - 1)).await.unwrap();
    assert_eq!(verify(&pool, dev_secret).await, Err("expired"));
    let page = list(&app, "dev", 1).await;
    assert!(
        page["items"][0]["expires_at"].as_i64().unwrap() <= page["now"].as_i64().unwrap(),
        "still listed, as expired"
    );
    let html = app.get("/api_tokens?q=dev").await.text().await.unwrap();
    assert!(html.contains("Expired"));

    // Deleted: fails on the very next verification.
    let id = user["token"]["id"].to_string();
    assert_eq!(app.call("delete_api_token", &[("id", &id)]).await.status(), 200);
    assert_eq!(verify(&pool, user_secret).await, Err("unknown"));
    assert_eq!(app.call("delete_api_token", &[("id", &id)]).await.status(), 404);
}

#[tokio::test]
async fn last_used_is_recorded_at_most_once_a_minute() {
    let app = signed_in_app().await;
    let pool = pool(&app).await;
    let dev = create_ok(&app, &[("name", "dev"), ("developer", "on")]).await;
    let secret = dev["secret"].as_str().unwrap();
    verify(&pool, secret).await.unwrap();
    let mut used = Value::Null;
    for _ in 0..50 {
        used = list(&app, "", 1).await["items"][0]["last_used_at"].clone();
        if !used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let first_use = used.as_i64().expect("last used is recorded");
    // Pretend that use was 30 s ago: a new use within the minute does not write.
    pool.execute("update api_tokens set last_used_at = last_used_at - 30").await.unwrap();
    verify(&pool, secret).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(list(&app, "", 1).await["items"][0]["last_used_at"], first_use - 30);
    // 90 s ago: the next use writes (in the background, so wait for it).
    pool.execute("update api_tokens set last_used_at = last_used_at - 60").await.unwrap();
    verify(&pool, secret).await.unwrap();
    let mut recorded = 0;
    for _ in 0..100 {
        recorded = list(&app, "", 1).await["items"][0]["last_used_at"].as_i64().unwrap();
        if recorded >= first_use {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(recorded >= first_use, "the use 90 s after the last one was recorded");
    let html = app.get("/api_tokens").await.text().await.unwrap();
    assert!(html.contains("just now"));
}

/// Verification straight from the database (a fresh cache each time).
/// Verification with a fresh cache; a rejection as its kind, an unexpected failure as a panic.
async fn verify(pool: &db::Pool, presented: &str) -> Result<tokens::VerifiedToken, &'static str> {
    tokens::verify(pool, Some(&tokens::TokenCache::default()), presented, None).await.map_err(|rejection| {
        match rejection {
            tokens::Rejection::Malformed => "malformed",
            tokens::Rejection::Unknown => "unknown",
            tokens::Rejection::Expired => "expired",
            tokens::Rejection::Unexpected(err) => panic!("verification failed: {err}"),
        }
    })
}

/// Every complete token (prefix and 49 base62 characters) in `text`.
fn full_tokens(text: &str) -> Vec<String> {
    text.match_indices("bcst_")
        .filter_map(|(i, _)| text.get(i..i + 54))
        .filter(|candidate| candidate[5..].bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn concurrent_creates_all_succeed() {
    let app = signed_in_app().await;
    let deployment_id = deployment(&app, "summarize", "protected").await;
    // Eight writers at once, each transaction reading (the grants' deployments) before it
    // writes: SQLite must queue them, not refuse them with "database is locked".
    let forms = (0..8)
        .map(|i| {
            [("name", format!("parallel {i}").as_str()), ("description", ""), ("user", "on")]
                .into_iter()
                .chain([("deployment_ids[]", deployment_id.as_str()), ("expiration", "never"), ("confirm_never", "on")])
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect()
        })
        .collect();
    let statuses = call_concurrently(&app, Some(&app.client), "create_api_token", forms).await;
    assert_eq!(statuses, vec![200; 8]);
    assert_eq!(list(&app, "parallel", 1).await["total"], 8);
}
