//! Requests followed through the real binary's log: one access line each, the request's id on
//! every line, and no secrets.

use std::time::Duration;

use reqwest::header;
use serde_json::Value;

use crate::{gateway::spawn_upstream, process::Server};

/// The lines of `log` that carry `id=<id>`.
fn lines_with_id<'a>(log: &'a str, id: &str) -> Vec<&'a str> {
    let field = format!("id={id} ");
    log.lines().filter(|line| line.contains(&field)).collect()
}

/// The log is written as requests end; give the pipe a moment.
async fn settled_log(server: &Server, wanted: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let log = server.log();
        if wanted(&log) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.log()
}

/// A 5xx's x-trace-id is its request id, and the log line of its cause carries the same id.
/// The failure is real: the deployments table is gone when the gateway looks a route up.
#[tokio::test]
async fn a_server_errors_trace_id_finds_its_cause_in_the_log() {
    let upstream = spawn_upstream().await;
    let server = Server::start_with_deployment(&[], &format!("http://{upstream}")).await;
    let pool = bento_console::server::db::connect_and_migrate(&server.db_url).await.unwrap();
    pool.execute("alter table deployments rename to deployments_gone").await.unwrap();

    let response = reqwest::Client::new()
        .get(format!("{}/echo", server.base_url))
        .header("host", format!("open.acme.apps.localhost:{}", server.port))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["x-trace-id"], id.as_str());

    let log = settled_log(&server, |log| lines_with_id(log, &id).len() >= 2).await;
    let lines = lines_with_id(&log, &id);
    assert!(lines.iter().any(|line| line.contains("unexpected failure") && line.contains("deployments")), "{log}");
    let access = lines.iter().find(|line| line.contains("served")).unwrap_or_else(|| panic!("{log}"));
    assert!(access.contains("status=500") && access.contains("deployment=open.acme"), "{access}");
}

/// One line per request for the console, the API and the gateway: method, route or
/// deployment, status, latency, client, and the display prefix of the token that identified
/// the caller; never the token, a cookie or a query string.
#[tokio::test]
async fn the_access_log_names_requests_and_never_their_secrets() {
    let upstream = spawn_upstream().await;
    let server = Server::start_with_deployment(&[], &format!("http://{upstream}")).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap();
    let rpc = |name: &str, form: &[(&str, &str)]| {
        client
            .post(format!("{}/rpc/{name}", server.base_url))
            .header(header::ORIGIN, &server.base_url)
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
    };
    let signed_in = rpc("login", &[("email", "ops@example.com"), ("password", "correct horse battery")]).await.unwrap();
    assert_eq!(signed_in.status(), 200);
    let created = rpc(
        "create_api_token",
        &[
            ("name", "both"),
            ("description", ""),
            ("expiration", "never"),
            ("confirm_never", "on"),
            ("developer", "on"),
            ("user", "on"),
            ("deployment_ids[]", "2"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 200);
    let token = created.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    let session = {
        use reqwest::cookie::CookieStore;
        let cookies = jar.cookies(&server.base_url.parse().unwrap()).unwrap();
        let cookies = cookies.to_str().unwrap().to_owned();
        let value = cookies.split("bento_console_session=").nth(1).unwrap();
        value.split(';').next().unwrap().to_owned()
    };

    let api = reqwest::Client::new()
        .get(format!("{}/api/v1/auth/current?code=s3cr3t-query", server.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    let api_id = api.headers()["x-request-id"].to_str().unwrap().to_owned();
    let gateway = reqwest::Client::new()
        .get(format!("{}/echo", server.base_url))
        .header("host", format!("guarded.acme.apps.localhost:{}", server.port))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gateway.status(), 200);
    let gateway_id = gateway.headers()["x-request-id"].to_str().unwrap().to_owned();
    let console = client.get(format!("{}/login?next=%2F&code=s3cr3t-query", server.base_url)).send().await.unwrap();
    let console_id = console.headers()["x-request-id"].to_str().unwrap().to_owned();

    let log = settled_log(&server, |log| {
        [&api_id, &gateway_id, &console_id].iter().all(|id| !lines_with_id(log, id).is_empty())
    })
    .await;
    let prefix = &token[..9];
    let access = |id: &str| {
        let lines = lines_with_id(&log, id);
        let served: Vec<&str> = lines.iter().copied().filter(|line| line.contains("served")).collect();
        assert_eq!(served.len(), 1, "one access line for {id}: {log}");
        served[0].to_owned()
    };
    let api_line = access(&api_id);
    for field in ["method=GET", "route=/api/v1/auth/current", "status=200", "latency_us=", "client=127.0.0.1"] {
        assert!(api_line.contains(field), "{field} in {api_line}");
    }
    assert!(api_line.contains(&format!("token={prefix}")), "{api_line}");
    let gateway_line = access(&gateway_id);
    for field in ["deployment=guarded.acme", "status=200", &format!("token={prefix}")] {
        assert!(gateway_line.contains(field), "{field} in {gateway_line}");
    }
    let console_line = access(&console_id);
    assert!(console_line.contains("route=/login}") && !console_line.contains("token="), "{console_line}");

    assert!(!log.contains(&token[9..]), "a token's secret part is never logged");
    assert!(!log.contains("s3cr3t-query"), "query strings are never logged");
    assert!(!log.to_lowercase().contains("authorization"), "nor the Authorization header");
    assert!(session.len() > 8 && !log.contains(&session), "nor the session cookie");
}
