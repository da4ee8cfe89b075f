//! Two replicas of the console on one PostgreSQL database, as behind a load balancer: what one
//! does, the other sees at once. Runs in the PostgreSQL pass of `make test` (it needs a
//! shared database; on SQLite there is one process).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{gateway::spawn_upstream, helpers::*};

/// Two apps on the same database, with clients that share one cookie jar (cookies ignore
/// ports, so a session started on one is sent to the other, as behind a load balancer).
async fn two_replicas() -> Option<(TestApp, TestApp)> {
    if std::env::var_os("BENTO_CONSOLE_TEST_POSTGRES").is_none() {
        eprintln!("replicas: runs only against PostgreSQL (BENTO_CONSOLE_TEST_POSTGRES)");
        return None;
    }
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let (client, jar) = browser_like_client();
    let a = spawn_app_with(config_for(&dir), dir.clone(), (client.clone(), jar.clone())).await;
    let b = spawn_app_with(config_for(&dir), dir, (client, jar)).await;
    Some((a, b))
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
    let form = [
        ("name", "client"),
        ("description", ""),
        ("user", "on"),
        ("deployment_ids[]", deployment_id.as_str()),
        ("expiration", "never"),
    ];
    let created: Value = a.call("create_api_token", &form).await.json().await.unwrap();
    let (token, token_id) = (created["secret"].as_str().unwrap(), created["token"]["id"].to_string());
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
    let form = [
        ("id", deployment_id.as_str()),
        ("description", ""),
        ("upstream_url", upstream.as_str()),
        ("access", "public"),
    ];
    assert_eq!(b.call("update_deployment", &form).await.status(), 200);
    let delay = until(&a, "summarize", None, 200).await;
    assert!(delay < Duration::from_millis(500), "{delay:?}");
    let form = [
        ("id", deployment_id.as_str()),
        ("description", ""),
        ("upstream_url", upstream.as_str()),
        ("access", "private"),
    ];
    assert_eq!(b.call("update_deployment", &form).await.status(), 200);
    let delay = until(&a, "summarize", None, 404).await;
    assert!(delay < Duration::from_millis(500), "{delay:?}");

    // A replica whose listening connection is cut reads through to the database meanwhile,
    // listens again, and hears later changes.
    let listeners = database(&a.dir)
        .await
        .execute("select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen %' and datname = current_database()")
        .await
        .unwrap();
    assert_eq!(listeners, 2, "one listener per replica");
    let form = [
        ("id", deployment_id.as_str()),
        ("description", ""),
        ("upstream_url", upstream.as_str()),
        ("access", "protected"),
    ];
    assert_eq!(a.call("update_deployment", &form).await.status(), 200);
    let form = [
        ("name", "second"),
        ("description", ""),
        ("user", "on"),
        ("deployment_ids[]", deployment_id.as_str()),
        ("expiration", "never"),
    ];
    let created: Value = a.call("create_api_token", &form).await.json().await.unwrap();
    let (token, token_id) = (created["secret"].as_str().unwrap(), created["token"]["id"].to_string());
    until(&b, "summarize", Some(token), 200).await;
    tokio::time::sleep(Duration::from_millis(500)).await; // B is listening again by now
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
