use serde_json::{json, Value};

use crate::helpers::*;

async fn signed_in_app() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    app
}

async fn create(app: &TestApp, name: &str, upstream: &str, access: &str) -> reqwest::Response {
    app.call(
        "create_deployment",
        &[("name", name), ("description", ""), ("upstream_url", upstream), ("access", access)],
    )
    .await
}

async fn list(app: &TestApp) -> Vec<Value> {
    let response = app.call("list_deployments", &[]).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

fn by_name<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("{name} in {items:?}"))
}

#[tokio::test]
async fn create_each_access_type_with_its_external_url() {
    let app = signed_in_app().await;
    let port = app.base_url.rsplit(':').next().unwrap().to_owned();
    for (name, access) in [("open-model", "public"), ("summarize", "protected"), ("internal", "private")] {
        let response = create(&app, name, "http://127.0.0.1:3999/", access).await;
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(response.headers()["location"], "/deployments");
    }
    let items = list(&app).await;
    assert_eq!(items.len(), 3);
    let summarize = by_name(&items, "summarize");
    assert_eq!(summarize["access"], "protected");
    assert_eq!(summarize["upstream_url"], "http://127.0.0.1:3999");
    assert_eq!(summarize["created_by"], "Ada Lovelace");
    assert_eq!(summarize["external_url"], json!(format!("http://summarize.mybentocloud.apps.localhost:{port}")));
    assert_eq!(by_name(&items, "open-model")["access"], "public");
    assert_eq!(by_name(&items, "internal")["external_url"], Value::Null, "Private deployments have no external URL");
}

#[tokio::test]
async fn every_bad_input_is_refused_with_a_message_next_to_its_field() {
    let app = signed_in_app().await;
    assert_eq!(create(&app, "summarize", "http://127.0.0.1:3999", "protected").await.status(), 200);
    let cases = [
        ("", "http://h:1", "public", "name", "Name is required."),
        ("bad_name", "http://h:1", "public", "name", "lowercase letters, digits and hyphens"),
        ("-lead", "http://h:1", "public", "name", "start and end"),
        (&"a".repeat(64), "http://h:1", "public", "name", "at most 63"),
        ("SUMMARIZE", "http://h:1", "public", "name", "A deployment named summarize already exists."),
        ("x", "ftp://h/", "public", "upstream_url", "http or https, not ftp"),
        ("x", "", "public", "upstream_url", "required"),
        ("x", "not a url", "public", "upstream_url", "full URL"),
        ("x", "http://h:1", "open", "access_type", "Choose Private, Protected or Public."),
    ];
    for (name, upstream, access, field, message) in cases {
        let response = create(&app, name, upstream, access).await;
        assert_eq!(response.status(), 422, "{name:?} {upstream:?} {access:?}");
        let body = error_body(response).await;
        assert_eq!(body["Invalid"]["field"], field, "{body}");
        assert!(body["Invalid"]["message"].as_str().unwrap().contains(message), "{body}");
    }
    let long_description = "d".repeat(501);
    let response = app
        .call(
            "create_deployment",
            &[("name", "x"), ("description", &long_description), ("upstream_url", "http://h:1"), ("access", "public")],
        )
        .await;
    assert_eq!(error_body(response).await["Invalid"]["field"], "description");
    assert_eq!(list(&app).await.len(), 1, "nothing was stored");
}

#[tokio::test]
async fn update_changes_access_and_upstream_but_not_the_name() {
    let app = signed_in_app().await;
    create(&app, "summarize", "http://127.0.0.1:3999", "protected").await;
    let id = by_name(&list(&app).await, "summarize")["id"].to_string();
    let response = app
        .call(
            "update_deployment",
            &[
                ("id", &id),
                ("description", "Now public"),
                ("upstream_url", "https://svc.internal:8443"),
                ("access", "public"),
                ("name", "renamed"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let updated = list(&app).await;
    let summarize = by_name(&updated, "summarize");
    assert_eq!(summarize["access"], "public");
    assert_eq!(summarize["upstream_url"], "https://svc.internal:8443");
    assert_eq!(summarize["description"], "Now public");

    // Bad input on update changes nothing.
    let response = app
        .call(
            "update_deployment",
            &[("id", &id), ("description", ""), ("upstream_url", "gopher://x"), ("access", "private")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(by_name(&list(&app).await, "summarize")["access"], "public");
}

#[tokio::test]
async fn update_or_delete_of_a_missing_deployment_is_404() {
    let app = signed_in_app().await;
    create(&app, "summarize", "http://127.0.0.1:3999", "protected").await;
    for id in ["9999", "-1"] {
        let update = app
            .call(
                "update_deployment",
                &[("id", id), ("description", ""), ("upstream_url", "http://h:1"), ("access", "public")],
            )
            .await;
        assert_eq!(update.status(), 404, "{id}");
        assert!(error_body(update).await["NotFound"].as_str().unwrap().contains("does not exist"));
        assert_eq!(app.call("delete_deployment", &[("id", id)]).await.status(), 404);
    }
    let not_a_number = app.call("delete_deployment", &[("id", "abc")]).await;
    assert_eq!(not_a_number.status(), 400);
    assert_eq!(list(&app).await.len(), 1);
}

#[tokio::test]
async fn delete_removes_the_deployment() {
    let app = signed_in_app().await;
    create(&app, "summarize", "http://127.0.0.1:3999", "protected").await;
    create(&app, "other", "http://127.0.0.1:3998", "public").await;
    let id = by_name(&list(&app).await, "summarize")["id"].to_string();
    assert_eq!(app.call("delete_deployment", &[("id", &id)]).await.status(), 200);
    let items = list(&app).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "other");
    assert_eq!(app.call("delete_deployment", &[("id", &id)]).await.status(), 404, "deleting twice");
}

#[tokio::test]
async fn deployments_need_a_session() {
    let app = spawn_app().await;
    assert_eq!(app.call("list_deployments", &[]).await.status(), 401);
    assert_eq!(create(&app, "x", "http://h:1", "public").await.status(), 401);
    assert_eq!(app.get("/deployments").await.status(), 303);
}

#[tokio::test]
async fn the_page_renders_the_list_on_the_server() {
    let app = signed_in_app().await;
    create(&app, "summarize", "http://127.0.0.1:3999", "protected").await;
    let html = app.get("/deployments").await.text().await.unwrap();
    assert!(html.contains("summarize") && html.contains("Protected"), "server-rendered rows");
    let empty = signed_in_app().await.get("/deployments").await.text().await.unwrap();
    assert!(empty.contains("No deployments yet"));
    let dialog = app.get("/deployments?delete=summarize").await.text().await.unwrap();
    assert!(dialog.contains("<dialog") && dialog.contains("No API tokens are granted access to it."));
}

#[tokio::test]
async fn the_links_the_bentoml_cli_prints_lead_to_the_pages() {
    let app = signed_in_app().await;
    for (path, location) in [
        ("/", "/deployments"),
        ("/deployments/summarize", "/deployments#deployment-summarize"),
        ("/api-token", "/api_tokens"),
    ] {
        let response = app.client.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), 302, "{path}");
        assert_eq!(response.headers()["location"], location, "{path}");
    }
}

#[tokio::test]
async fn the_list_says_whether_each_upstream_answered_its_last_health_check() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = config_for(&dir);
    config.health_check_interval = 1;
    let app = spawn_app_with(config, dir, browser_like_client()).await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let live = format!("http://{}", crate::gateway::spawn_upstream().await);
    // A port nobody listens on: bound, then let go.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    assert_eq!(create(&app, "live", &live, "protected").await.status(), 200);
    assert_eq!(create(&app, "dead", &dead, "private").await.status(), 200);
    let started = std::time::Instant::now();
    let items = loop {
        let items = list(&app).await;
        if items.iter().all(|d| d["health"].is_object()) {
            break items;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no health after 10 s: {items:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let (live, dead) = (&by_name(&items, "live")["health"], &by_name(&items, "dead")["health"]);
    assert_eq!(live["answered"], true, "{live}");
    assert_eq!(dead["answered"], false, "{dead}");
    assert_eq!(dead["detail"], "connection refused or unreachable");
    let now = bento_console::server::db::now();
    assert!(now - live["checked_at"].as_i64().unwrap() <= 5, "{live}");
}
