//! Two replicas of the console on one PostgreSQL database, as behind a load balancer: what one
//! does, the other sees at once. Runs in the PostgreSQL pass of `make test` (it needs a
//! shared database; on SQLite there is one process).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{gateway::spawn_upstream, helpers::*};

/// The `--secret-key` replicas share, as the README tells operators to do.
const SHARED_KEY: &str = "the key every replica is given, 32 characters or more";

/// How long a replica that lost its listening connection waits before listening again: longer
/// than the steps a test takes while it is away (the default is 100 ms).
const LISTEN_RETRY: Duration = Duration::from_secs(3);

/// Two apps on the same database with the same secret key, with clients that share one cookie
/// jar (cookies ignore ports, so a session started on one is sent to the other, as behind a
/// load balancer).
async fn two_replicas() -> Option<(TestApp, TestApp)> {
    two_replicas_with_keys([SHARED_KEY, SHARED_KEY]).await
}

/// Like [`two_replicas`], with each replica's own `--secret-key`.
async fn two_replicas_with_keys(keys: [&str; 2]) -> Option<(TestApp, TestApp)> {
    if std::env::var_os("BENTO_CONSOLE_TEST_POSTGRES").is_none() {
        eprintln!("replicas: runs only against PostgreSQL (BENTO_CONSOLE_TEST_POSTGRES)");
        return None;
    }
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let (client, jar) = browser_like_client();
    let config = |key: &str| {
        let mut config = config_for(&dir);
        config.secret_key = Some(key.parse().unwrap());
        config.listen_retry = LISTEN_RETRY;
        config
    };
    let a = spawn_app_with(config(keys[0]), dir.clone(), (client.clone(), jar.clone())).await;
    let b = spawn_app_with(config(keys[1]), dir.clone(), (client, jar)).await;
    Some((a, b))
}

/// How many connections listen for changes on the test's database (one per replica while
/// all is well).
async fn listeners(app: &TestApp) -> u64 {
    database(&app.dir)
        .await
        .execute(
            "select pid from pg_stat_activity
             where datname = current_database() and query ilike 'listen %'",
        )
        .await
        .unwrap()
}

/// Terminates every replica's listening connection; returns how many there were.
async fn cut_listeners(app: &TestApp) -> u64 {
    database(&app.dir)
        .await
        .execute(
            "select pg_terminate_backend(pid) from pg_stat_activity
             where datname = current_database() and query ilike 'listen %'",
        )
        .await
        .unwrap()
}

/// Waits until `count` connections listen, for at most 10 s.
async fn until_listening(app: &TestApp, count: u64) {
    let started = Instant::now();
    while listeners(app).await != count {
        assert!(started.elapsed() < Duration::from_secs(10), "not {count} listeners after 10 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Creates a User token for `deployment_id` on `app`; returns its secret and id.
async fn user_token(app: &TestApp, name: &str, deployment_id: &str) -> (String, String) {
    let form = [
        ("name", name),
        ("description", ""),
        ("user", "on"),
        ("deployment_ids[]", deployment_id),
        ("expiration", "never"),
        ("confirm_never", "on"),
    ];
    let created: Value = app.call("create_api_token", &form).await.json().await.unwrap();
    (created["secret"].as_str().unwrap().to_owned(), created["token"]["id"].to_string())
}

/// Changes the deployment's access type on `app`.
async fn set_access(app: &TestApp, id: &str, upstream: &str, access: &str) {
    let form = [("id", id), ("description", ""), ("upstream_url", upstream), ("access", access)];
    assert_eq!(app.call("update_deployment", &form).await.status(), 200);
}

/// Calls `deployment` through `app`'s gateway.
async fn through(app: &TestApp, deployment: &str, token: Option<&str>) -> u16 {
    let port = app.base_url.rsplit(':').next().unwrap();
    let mut request = reqwest::Client::new()
        .get(app.url("/echo"))
        .header("host", format!("{deployment}.mybentocloud.apps.localhost:{port}"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.send().await.unwrap().status().as_u16()
}

/// Polls until `app` answers `want` for the call, and returns how long that took.
async fn until(app: &TestApp, deployment: &str, token: Option<&str>, want: u16) -> Duration {
    let started = Instant::now();
    loop {
        let status = through(app, deployment, token).await;
        if status == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still {status}, not {want}, after 5 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn what_one_replica_changes_the_other_applies_at_once() {
    let Some((a, b)) = two_replicas().await else { return };

    // Each replica printed a setup link of its own; either works on either replica, once.
    let (code_a, code_b) = (a.setup_code(), b.setup_code());
    assert_ne!(code_a, code_b);
    let setup = |code: String| {
        [
            ("code", code),
            ("organization_name", "Mybentocloud".into()),
            ("name", "Ada Lovelace".into()),
            ("email", ADMIN_EMAIL.into()),
            ("password", ADMIN_PASSWORD.into()),
            ("password_confirmation", ADMIN_PASSWORD.into()),
        ]
    };
    let form = setup(code_a.clone());
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.call("setup", &form).await.status(), 200, "A's link works on B");
    for code in [code_a, code_b] {
        let form = setup(code);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(a.call("setup", &form).await.status(), 403, "no link works twice");
    }

    // The session started on B (by setup) is valid on A.
    assert_eq!(a.account_status().await, 200);

    // A token created on A opens a Protected deployment through B's gateway.
    let upstream = format!("http://{}", spawn_upstream().await);
    let form =
        [("name", "summarize"), ("description", ""), ("upstream_url", upstream.as_str()), ("access", "protected")];
    assert_eq!(a.call("create_deployment", &form).await.status(), 200);
    let list: Value = a.call("list_deployments", &[]).await.json().await.unwrap();
    let deployment_id = list["items"][0]["id"].to_string();
    let (token, token_id) = user_token(&a, "client", &deployment_id).await;
    let token = token.as_str();
    assert_eq!(through(&b, "summarize", Some(token)).await, 200);
    assert_eq!(through(&b, "summarize", None).await, 401);

    // After A deletes it, B refuses it: B had it cached, and heard of the deletion.
    let deleted = a.call("delete_api_token", &[("id", token_id.as_str())]).await.status();
    assert!(deleted.is_success() || deleted.is_redirection(), "{deleted}");
    let delay = until(&b, "summarize", Some(token), 401).await;
    eprintln!("revocation reached the other replica in {delay:?}");
    assert!(delay < Duration::from_millis(500), "{delay:?}");

    // An access-type change on B applies on A (which had the route cached).
    assert_eq!(through(&a, "summarize", None).await, 401);
    set_access(&b, &deployment_id, &upstream, "public").await;
    let delay = until(&a, "summarize", None, 200).await;
    assert!(delay < Duration::from_millis(500), "{delay:?}");
    set_access(&b, &deployment_id, &upstream, "private").await;
    let delay = until(&a, "summarize", None, 404).await;
    assert!(delay < Duration::from_millis(500), "{delay:?}");

    // A replica whose listening connection is cut hears nothing until it listens again
    // (`LISTEN_RETRY` later), so meanwhile it must read through to the database: what A
    // changes applies on B at once, though B had it cached.
    assert_eq!(cut_listeners(&a).await, 2, "one listener per replica");
    until_listening(&a, 0).await;
    tokio::time::sleep(Duration::from_millis(100)).await; // for the replicas to see it closed
    let outage = Instant::now();
    assert_eq!(through(&b, "summarize", None).await, 404, "still Private");
    set_access(&a, &deployment_id, &upstream, "protected").await;
    assert_eq!(through(&b, "summarize", None).await, 401, "B applies A's access change at once");
    let (token, token_id) = user_token(&a, "second", &deployment_id).await;
    let token = token.as_str();
    assert_eq!(through(&b, "summarize", Some(token)).await, 200);
    assert_eq!(through(&b, "summarize", Some(token)).await, 200, "B would answer this from a cache");
    let deleted = a.call("delete_api_token", &[("id", token_id.as_str())]).await.status();
    assert!(deleted.is_success() || deleted.is_redirection(), "{deleted}");
    assert_eq!(through(&b, "summarize", Some(token)).await, 401, "B refuses a token revoked on A at once");
    assert_eq!(listeners(&a).await, 0, "all that while B was not listening");
    assert!(outage.elapsed() < LISTEN_RETRY);

    // It listens again, and hears later changes (and caches again).
    until_listening(&a, 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await; // for B to trust its caches again
    let (token, token_id) = user_token(&a, "third", &deployment_id).await;
    let token = token.as_str();
    assert_eq!(through(&b, "summarize", Some(token)).await, 200);
    assert_eq!(through(&b, "summarize", Some(token)).await, 200);
    a.call("delete_api_token", &[("id", token_id.as_str())]).await;
    let delay = until(&b, "summarize", Some(token), 401).await;
    assert!(delay < Duration::from_millis(500), "{delay:?}");

    // Sign-in throttling is in the database: failures on A lock the account on B too.
    for _ in 0..5 {
        assert_eq!(a.login(ADMIN_EMAIL, "not the password").await.status(), 401);
    }
    assert_eq!(b.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 429);
}

/// The bearer tokens (`bcst_` + 49 characters) that `text` shows.
fn full_tokens(text: &str) -> Vec<String> {
    text.match_indices("bcst_")
        .filter_map(|(i, _)| text.get(i..i + 54))
        .filter(|candidate| candidate[5..].bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .collect()
}

/// Creates a Developer token on `app` the way a browser without JavaScript does (a plain form
/// post, answered with a redirect).
async fn create_without_javascript(app: &TestApp, name: &str) {
    let response = app
        .client
        .post(app.url("/rpc/create_api_token"))
        .header("origin", &app.base_url)
        .header("accept", "text/html")
        .header("referer", app.url("/api_tokens?create"))
        .form(&[
            ("name", name),
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
}

/// The page the redirect leads to, rendered by `app`, and the tokens it shows.
async fn page_after_redirect(app: &TestApp) -> (String, Vec<String>) {
    let response = app.get("/api_tokens?created").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let tokens = full_tokens(&page);
    (page, tokens)
}

/// Issue 11: the page after a no-JavaScript create may be served by another replica; with the
/// shared key it shows the new token there, once.
#[tokio::test]
async fn without_javascript_the_secret_is_shown_once_by_whichever_replica_serves_the_redirect() {
    let Some((a, b)) = two_replicas().await else { return };
    assert_eq!(a.setup_admin().await.status(), 200);

    create_without_javascript(&a, "no-js").await;
    let (page, shown) = page_after_redirect(&b).await;
    let secret = shown.first().expect("B shows the token created on A").clone();
    assert!(shown.iter().all(|token| *token == secret), "one token: {shown:?}");
    assert!(page.contains("This is the only opportunity"));
    for app in [&b, &a] {
        let (_, again) = page_after_redirect(app).await;
        assert!(again.is_empty(), "a second render, on either replica, shows it no more: {again:?}");
    }

    // It is the real token, and usable on both.
    for app in [&a, &b] {
        let me = reqwest::Client::new()
            .get(app.url("/api/v1/auth/current"))
            .header("x-yatai-api-token", &secret)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
    }
}

/// Replicas with different keys cannot open each other's reveals: the page says nothing of
/// the token (it is not shown; no error), as the README warns.
#[tokio::test]
async fn with_different_keys_the_other_replica_shows_no_reveal_and_no_error() {
    let Some((a, b)) = two_replicas_with_keys([SHARED_KEY, "another key, also 32 characters or more"]).await else {
        return;
    };
    assert_eq!(a.setup_admin().await.status(), 200);

    create_without_javascript(&a, "no-js").await;
    let (page, shown) = page_after_redirect(&b).await;
    assert!(shown.is_empty(), "{shown:?}");
    assert!(!page.contains("This is the only opportunity"));
    assert!(page.contains("no-js"), "the token was created and is listed");
    // B's render used the reveal up: A does not show it later either.
    let (_, shown) = page_after_redirect(&a).await;
    assert!(shown.is_empty(), "{shown:?}");
}

/// Calls server function `name` on `app` with `client` (a member's own browser).
async fn call_as(client: &reqwest::Client, app: &TestApp, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client
        .post(app.url(&format!("/rpc/{name}")))
        .header("origin", &app.base_url)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// `GET /api/v1/auth/current` on `app` with a Developer token.
async fn api_status(app: &TestApp, token: &str) -> u16 {
    let request = reqwest::Client::new().get(app.url("/api/v1/auth/current")).header("X-YATAI-API-TOKEN", token);
    request.send().await.unwrap().status().as_u16()
}

/// Polls `app`'s API until it answers `want`; how long that took.
async fn until_api(app: &TestApp, token: &str, want: u16) -> Duration {
    let started = Instant::now();
    loop {
        let status = api_status(app, token).await;
        if status == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still {status}, not {want}, after 5 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_role_change_and_a_removal_on_one_replica_apply_on_the_other_at_once() {
    let Some((a, b)) = two_replicas().await else { return };
    assert_eq!(a.setup_admin().await.status(), 200);
    let upstream = format!("http://{}", spawn_upstream().await);
    let form =
        [("name", "summarize"), ("description", ""), ("upstream_url", upstream.as_str()), ("access", "protected")];
    assert_eq!(a.call("create_deployment", &form).await.status(), 200);
    let list: Value = a.call("list_deployments", &[]).await.json().await.unwrap();
    let deployment_id = list["items"][0]["id"].to_string();

    // Grace joins through an invitation made on A, in a browser of her own.
    let invited: Value = a
        .call("invite_member", &[("name", "Grace"), ("email", "grace@example.com"), ("role", "developer")])
        .await
        .json()
        .await
        .unwrap();
    let code = invited["link"].as_str().unwrap().split("code=").nth(1).unwrap().to_owned();
    let (grace, _) = browser_like_client();
    let password = "grace's long password";
    let form =
        [("code", code.as_str()), ("name", "Grace"), ("password", password), ("password_confirmation", password)];
    assert_eq!(call_as(&grace, &a, "join", &form).await.status(), 200);
    let form = [
        ("name", "grace-both"),
        ("description", ""),
        ("user", "on"),
        ("developer", "on"),
        ("deployment_ids[]", deployment_id.as_str()),
        ("expiration", "never"),
        ("confirm_never", "on"),
    ];
    let created: Value = call_as(&grace, &a, "create_api_token", &form).await.json().await.unwrap();
    let token = created["secret"].as_str().unwrap().to_owned();
    // B caches the token at its API and its gateway.
    assert_eq!(api_status(&b, &token).await, 200);
    assert_eq!(through(&b, "summarize", Some(&token)).await, 200);

    // Demoted on A: B's API withholds Developer access at once; the gateway still lets her in.
    let members: Value = a.call("list_members", &[]).await.json().await.unwrap();
    let grace_id = members["members"].as_array().unwrap().iter().find(|m| m["email"] == "grace@example.com").unwrap()
        ["id"]
        .to_string();
    let form = [("id", grace_id.as_str()), ("role", "endpoint_user")];
    assert_eq!(a.call("set_member_role", &form).await.status(), 200);
    let delay = until_api(&b, &token, 403).await;
    eprintln!("the role change reached the other replica in {delay:?}");
    assert!(delay < Duration::from_millis(500), "{delay:?}");
    assert_eq!(through(&b, "summarize", Some(&token)).await, 200, "User access needs no Developer role");

    // Removed on A: B refuses the token at once, at the gateway and the API.
    assert_eq!(a.call("remove_member", &[("id", grace_id.as_str())]).await.status(), 200);
    let delay = until(&b, "summarize", Some(&token), 401).await;
    eprintln!("the removal reached the other replica in {delay:?}");
    assert!(delay < Duration::from_millis(500), "{delay:?}");
    assert_eq!(api_status(&b, &token).await, 401);
    // And her session is over on both.
    assert_eq!(call_as(&grace, &b, "current_account", &[]).await.status(), 401);
}
