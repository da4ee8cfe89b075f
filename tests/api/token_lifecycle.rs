//! A token's life after Create: regenerate, edit, "All deployments", expiry that warns, and
//! where it was last used. Through the console's server functions, the REST API and the
//! gateway, each checked on the next request.

use bento_console::server::db;
use reqwest::Method;
use serde_json::{json, Value};

use crate::gateway::{spawn_upstream, Fixture};
use crate::helpers::*;

/// `/api/v1/auth/current` with a token: the API's answer to it.
async fn api_status(app: &TestApp, token: &str) -> u16 {
    let response = reqwest::Client::new().get(app.url("/api/v1/auth/current")).bearer_auth(token).send().await.unwrap();
    response.status().as_u16()
}

async fn rest(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, app.url(path)).header("X-YATAI-API-TOKEN", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A token created in the console: its secret and id.
async fn create(f: &Fixture, fields: &[(&str, &str)]) -> (String, String) {
    let mut form = vec![("description", "made by a test"), ("expiration", "30")];
    form.extend_from_slice(fields);
    let response = f.app.call("create_api_token", &form).await;
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.unwrap();
    (created["secret"].as_str().unwrap().to_owned(), created["token"]["id"].to_string())
}

async fn find(app: &TestApp, id: &str) -> Value {
    let response = app.call("find_api_token", &[("id", id)]).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["token"].clone()
}

async fn status_of(f: &Fixture, deployment: &str, token: &str) -> u16 {
    f.call(deployment, "/echo", Some(token)).await.status().as_u16()
}

#[tokio::test]
async fn regenerating_replaces_the_secret_on_the_next_request_and_keeps_everything_else() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let guarded = f.ids["guarded"].clone();
    let (old, id) =
        create(&f, &[("name", "rotating"), ("user", "on"), ("developer", "on"), ("deployment_ids[]", &guarded)]).await;
    // Both paths have the old secret cached when it is replaced.
    assert_eq!(status_of(&f, "guarded", &old).await, 200);
    assert_eq!(api_status(&f.app, &old).await, 200);
    let before = find(&f.app, &id).await;

    let response = f.app.call("regenerate_api_token", &[("id", &id), ("expiration", "keep")]).await;
    assert_eq!(response.status(), 200);
    let regenerated: Value = response.json().await.unwrap();
    let new = regenerated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    assert!(regenerated["login_command"].as_str().unwrap().contains(new), "the reveal is the same as Create's");

    assert_eq!(status_of(&f, "guarded", &old).await, 401, "the old secret stops at the gateway at once");
    assert_eq!(api_status(&f.app, &old).await, 401, "and at the API");
    assert_eq!(status_of(&f, "guarded", new).await, 200);
    assert_eq!(api_status(&f.app, new).await, 200);

    let after = find(&f.app, &id).await;
    for kept in
        ["name", "description", "is_user", "is_developer", "deployments", "expires_at", "created_at", "created_by"]
    {
        assert_eq!(after[kept], before[kept], "{kept} is kept");
    }
    assert_eq!(after["prefix"], &new[..9], "the list shows the new secret's prefix");

    // A new expiry can come with it; No expiration must be confirmed.
    let refused = f.app.call("regenerate_api_token", &[("id", &id), ("expiration", "never")]).await;
    assert_eq!(refused.status(), 422);
    assert!(error_body(refused).await.to_string().contains("Confirm No expiration"));
    assert_eq!(status_of(&f, "guarded", new).await, 200, "a refused regenerate changes nothing");
    let week = f.app.call("regenerate_api_token", &[("id", &id), ("expiration", "7")]).await;
    let week: Value = week.json().await.unwrap();
    let expires_at = week["token"]["expires_at"].as_i64().unwrap();
    assert!((expires_at - db::now() - 7 * 86_400).abs() < 60, "{expires_at}");

    let missing = f.app.call("regenerate_api_token", &[("id", "999999"), ("expiration", "keep")]).await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn edited_grants_apply_on_the_next_request_and_all_deployments_covers_later_ones() {
    let upstream = spawn_upstream().await;
    let upstream = format!("http://{upstream}");
    let f = Fixture::new(&upstream).await;
    let (guarded, other) = (f.ids["guarded"].clone(), f.ids["other"].clone());
    let (secret, id) = create(&f, &[("name", "frontend"), ("user", "on"), ("deployment_ids[]", &guarded)]).await;
    assert_eq!(status_of(&f, "guarded", &secret).await, 200);
    assert_eq!(status_of(&f, "other", &secret).await, 403);

    let moved = edit(&f.app, &id, vec![("grants", "on".into()), ("deployment_ids[]", other.clone())]).await;
    assert_eq!(moved.status(), 200);
    assert_eq!(status_of(&f, "guarded", &secret).await, 403, "the cached grant is gone at once");
    assert_eq!(status_of(&f, "other", &secret).await, 200);

    let none = edit(&f.app, &id, vec![("grants", "on".into())]).await;
    assert_eq!(none.status(), 422, "a User token keeps at least one deployment");
    assert_eq!(status_of(&f, "other", &secret).await, 200, "a refused edit changes nothing");

    let all = edit(&f.app, &id, vec![("grants", "on".into()), ("all_deployments", "on".into())]).await;
    assert_eq!(all.status(), 200);
    assert_eq!(status_of(&f, "guarded", &secret).await, 200);
    assert_eq!(status_of(&f, "other", &secret).await, 200);
    f.add_deployment("later", &upstream, "protected").await;
    assert_eq!(status_of(&f, "later", &secret).await, 200, "All deployments includes ones created later");
    assert_eq!(status_of(&f, "hidden", &secret).await, 404, "Private stays unreachable");
    let token = find(&f.app, &id).await;
    assert_eq!(token["all_deployments"], true);

    // Name and description; names stay unique; the type cannot become something else.
    create(&f, &[("name", "taken"), ("developer", "on")]).await;
    let clash = f.app.call("update_api_token", &[("id", id.as_str()), ("name", "TAKEN"), ("description", "")]).await;
    assert_eq!(clash.status(), 422);
    let renamed =
        f.app.call("update_api_token", &[("id", id.as_str()), ("name", "web app"), ("description", "the shop")]).await;
    assert_eq!(renamed.status(), 200);
    let token = find(&f.app, &id).await;
    assert_eq!((token["name"].as_str(), token["description"].as_str()), (Some("web app"), Some("the shop")));
    assert_eq!(token["all_deployments"], true, "an edit without grants leaves them");

    let (_, developer) = create(&f, &[("name", "api only"), ("developer", "on")]).await;
    let forced = f
        .app
        .call(
            "update_api_token",
            &[
                ("id", developer.as_str()),
                ("name", "api only"),
                ("description", ""),
                ("grants", "on"),
                ("all_deployments", "on"),
            ],
        )
        .await;
    assert_eq!(forced.status(), 422);
    assert!(error_body(forced).await.to_string().contains("Only User tokens"));
}

#[tokio::test]
async fn new_tokens_default_to_an_expiry_and_the_list_warns_and_filters_by_it() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let form = |name: &'static str, expiration: &'static str| {
        vec![("name", name), ("description", ""), ("developer", "on"), ("expiration", expiration)]
    };
    // No expiration is refused until confirmed, with a message under the field.
    let refused = app.call("create_api_token", &form("forever", "never")).await;
    assert_eq!(refused.status(), 422);
    let body = error_body(refused).await;
    assert_eq!(body["Invalid"]["field"], "expiration", "{body}");
    let mut confirmed = form("forever", "never");
    confirmed.push(("confirm_never", "on"));
    assert_eq!(app.call("create_api_token", &confirmed).await.status(), 200);

    for (name, days) in [("weekly", "7"), ("monthly", "30"), ("quarterly", "90")] {
        assert_eq!(app.call("create_api_token", &form(name, days)).await.status(), 200);
    }
    // One that has expired already (a token cannot be created expired).
    assert_eq!(app.call("create_api_token", &form("old", "7")).await.status(), 200);
    let pool = database(&app.dir).await;
    pool.execute(&format!("update api_tokens set expires_at = {} where name = 'old'", db::now() - 60)).await.unwrap();

    let list = |status: &'static str, search: &'static str| {
        let app = &app;
        async move {
            let response = app.call("list_api_tokens", &[("search", search), ("page", "1"), ("status", status)]).await;
            assert_eq!(response.status(), 200);
            let page: Value = response.json().await.unwrap();
            let names: Vec<String> =
                page["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
            (names, page["expiring_soon"].as_i64().unwrap())
        }
    };
    let (all, expiring) = list("All", "").await;
    assert_eq!(all.len(), 5);
    assert_eq!(expiring, 1, "the page counts what expires within 7 days");
    assert_eq!(list("ExpiringSoon", "").await.0, ["weekly"]);
    assert_eq!(list("Expired", "").await.0, ["old"]);
    assert_eq!(list("Active", "").await.0.len(), 4);
    // Search finds the display prefix the list shows, too.
    let prefix = {
        let response = app.call("list_api_tokens", &[("search", "monthly"), ("page", "1")]).await;
        let page: Value = response.json().await.unwrap();
        page["items"][0]["prefix"].as_str().unwrap().to_owned()
    };
    let leaked: &'static str = Box::leak(prefix.into_boxed_str());
    assert_eq!(list("All", leaked).await.0, ["monthly"]);

    // The page marks them, with JavaScript off too (server-rendered).
    let html = app.get("/api_tokens").await.text().await.unwrap();
    assert!(html.contains("1 token expires within 7 days."), "the notice");
    assert!(html.contains("status-expiring"), "the marker on the row");
    let filtered = app.get("/api_tokens?status=expired").await.text().await.unwrap();
    assert!(filtered.contains(">old<") && !filtered.contains(">weekly<"), "the filter is a link");
}

#[tokio::test]
async fn the_token_page_shows_where_it_was_last_used() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let guarded = f.ids["guarded"].clone();
    let (secret, id) = create(&f, &[("name", "watched"), ("user", "on"), ("deployment_ids[]", &guarded)]).await;
    assert_eq!(status_of(&f, "guarded", &secret).await, 200);
    // Use is recorded in the background.
    let mut token = find(&f.app, &id).await;
    for _ in 0..100 {
        if !token["last_used_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        token = find(&f.app, &id).await;
    }
    assert_eq!(token["last_used_from"], "127.0.0.1");
    let page = f.app.get(&format!("/api_tokens/{id}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for shown in ["watched", "127.0.0.1", "guarded", "Regenerate", "Edit"] {
        assert!(html.contains(shown), "{shown} is on the token page");
    }
    assert!(!html.contains(&secret), "never the secret");
    assert!(f.app.get("/api_tokens/999999").await.text().await.unwrap().contains("Token not found"));
}

#[tokio::test]
async fn the_rest_api_edits_and_regenerates_tokens() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let (developer, _) = create(&f, &[("name", "cli"), ("developer", "on")]).await;
    let (status, created) = rest(
        &f.app,
        &developer,
        Method::POST,
        "/api/v1/api_tokens",
        Some(json!({ "name": "everything", "all_deployments": true, "expired_at": null, "scopes": null, "description": null, "deployments": null })),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["all_deployments"], true);
    let (uid, secret) = (created["uid"].as_str().unwrap().to_owned(), created["token"].as_str().unwrap().to_owned());
    assert_eq!(status_of(&f, "guarded", &secret).await, 200);

    let path = format!("/api/v1/api_tokens/{uid}");
    let (status, edited) = rest(
        &f.app,
        &developer,
        Method::PATCH,
        &path,
        Some(json!({ "deployments": ["other"], "all_deployments": false })),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["deployments"], json!(["other"]));
    assert_eq!(status_of(&f, "guarded", &secret).await, 403, "the edit applies on the next request");
    let (status, _) = rest(&f.app, &developer, Method::PATCH, &path, Some(json!({ "deployments": ["nowhere"] }))).await;
    assert_eq!(status, 422);
    let (status, _) = rest(&f.app, &developer, Method::PATCH, &path, Some(json!({ "type": "developer" }))).await;
    assert!(status == 400 || status == 422, "unknown fields are refused: {status}");
    // serde would read the struct from an array, field by field: a body is an object.
    let (status, _) = rest(&f.app, &developer, Method::PATCH, &path, Some(json!([null, null]))).await;
    assert_eq!(status, 422, "an array is not an edit");
    let (status, _) =
        rest(&f.app, &developer, Method::POST, "/api/v2/deployments", Some(json!(["x", "http://u"]))).await;
    assert_eq!(status, 422, "nor a deployment");
    let (status, _) = rest(&f.app, &developer, Method::POST, &format!("{path}/regenerate"), Some(json!([null]))).await;
    assert_eq!(status, 400, "nor a regenerate");

    let regenerate = format!("{path}/regenerate");
    let (status, kept) = rest(&f.app, &developer, Method::POST, &regenerate, None).await;
    assert_eq!(status, 200, "{kept}");
    let new = kept["token"].as_str().unwrap().to_owned();
    assert_eq!(status_of(&f, "other", &secret).await, 401, "the old secret is dead");
    assert_eq!(status_of(&f, "other", &new).await, 200);
    assert_eq!(kept["expired_at"], Value::Null);
    let (status, dated) =
        rest(&f.app, &developer, Method::POST, &regenerate, Some(json!({ "expired_at": "2099-01-31" }))).await;
    assert_eq!(status, 200, "{dated}");
    assert_eq!(dated["expired_at"], "2099-02-01T00:00:00Z", "a date means through that day");
    let (status, _) = rest(&f.app, &developer, Method::POST, "/api/v1/api_tokens/tok-999999/regenerate", None).await;
    assert_eq!(status, 404);
    let (status, _) = rest(&f.app, &developer, Method::POST, &regenerate, Some(json!({ "expired_at": "soon" }))).await;
    assert_eq!(status, 422);
}

/// Posts the Edit form for the User token `id` named "frontend" with `fields` added.
async fn edit(app: &TestApp, id: &str, fields: Vec<(&str, String)>) -> reqwest::Response {
    let mut form: Vec<(&str, String)> =
        vec![("id", id.into()), ("name", "frontend".into()), ("description", "".into())];
    form.extend(fields);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("update_api_token", &form).await
}

/// A BentoML-like service: its OpenAPI document at `/docs.json`, and the API it describes,
/// which answers with the JSON it was sent.
async fn spawn_bento_service() -> std::net::SocketAddr {
    use axum::{routing::get, routing::post, Json, Router};
    let document = json!({
        "openapi": "3.0.2",
        "paths": {
            "/healthz": { "get": {} },
            "/summarize": { "post": { "requestBody": { "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Input" } } } } } }
        },
        "components": { "schemas": { "Input": { "type": "object", "properties": {
            "text": { "type": "string", "default": "It's sunny in Los Angeles." },
            "max_length": { "type": "integer", "default": 50 }
        } } } }
    });
    let app = Router::new()
        .route("/docs.json", get(move || async move { Json(document) }))
        .route("/summarize", post(|Json(input): Json<Value>| async move { Json(json!({ "received": input })) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn the_reveals_curl_calls_a_real_route_with_a_body_from_its_schema() {
    let service = spawn_bento_service().await;
    let f = Fixture::new("http://127.0.0.1:9").await;
    let id = f.add_deployment("summarizer", &format!("http://{service}"), "protected").await;
    let response = f
        .app
        .call(
            "create_api_token",
            &[("name", "shop"), ("description", ""), ("user", "on"), ("deployment_ids[]", &id), ("expiration", "30")],
        )
        .await;
    let created: Value = response.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap();
    let example = &created["curl_examples"][0];
    assert_eq!(example["note"], Value::Null, "the service said which routes it serves: {example}");
    let command = example["command"].as_str().unwrap();
    let port = f.app.base_url.rsplit(':').next().unwrap();
    let url = format!("http://summarizer.mybentocloud.apps.localhost:{port}/summarize");
    assert!(command.starts_with(&format!("curl -X POST \"{url}\"")), "{command}");
    assert!(command.contains(&format!("-H \"Authorization: Bearer {secret}\"")), "{command}");
    let body = command.split("--data '").nth(1).unwrap().trim_end_matches('\'').replace("'\\''", "'");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body, json!({ "text": "It's sunny in Los Angeles.", "max_length": 50 }));

    // Run what it says, through the gateway: the service gets the body.
    let answer = reqwest::Client::new()
        .post(f.app.url("/summarize"))
        .header("host", f.host("summarizer"))
        .bearer_auth(secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap(), json!({ "received": body }));
}
