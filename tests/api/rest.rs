//! The Developer API over HTTP, as the `bentoml` CLI and scripts use it.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

struct Api {
    app: TestApp,
    developer: String,
}

impl Api {
    async fn new() -> Self {
        let app = spawn_app().await;
        assert_eq!(app.setup_admin().await.status(), 200);
        let developer = token(&app, &[("name", "cli"), ("developer", "on")]).await;
        Self { app, developer }
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new().request(method, self.app.url(path));
        if let Some(token) = token {
            request = request.header("X-YATAI-API-TOKEN", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(&self.developer), None).await
    }

    async fn send(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(method, path, Some(&self.developer), Some(body)).await
    }

    /// `PUT /api/v2/deployments/{name}` as the `bentoml` CLI sends it.
    async fn put(&self, name: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, &format!("/api/v2/deployments/{name}?cluster=default"), body).await
    }
}

async fn token(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let mut form = fields.to_vec();
    form.extend([("description", ""), ("expiration", "never"), ("confirm_never", "on")]);
    let response = app.call("create_api_token", &form).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn login_endpoints_answer_in_the_clis_exact_shapes() {
    let api = Api::new().await;
    let (status, user) = api.get("/api/v1/auth/current").await;
    assert_eq!(status, 200);
    assert_eq!(user, json!({"name": "Ada Lovelace", "email": ADMIN_EMAIL, "first_name": "", "last_name": ""}));

    let (status, org) = api.get("/api/v1/current_org").await;
    assert_eq!(status, 200);
    assert_eq!(
        keys(&org),
        ["created_at", "deleted_at", "description", "labels", "name", "resource_type", "uid", "updated_at"]
    );
    assert_eq!(org["name"], "Mybentocloud");
    assert_eq!(org["resource_type"], "organization");
    assert_eq!(org["labels"], json!([]));
    assert!(org["created_at"].as_str().unwrap().ends_with('Z'));

    // Authorization: Bearer works too.
    let response = reqwest::Client::new()
        .get(api.app.url("/api/v1/auth/current"))
        .bearer_auth(&api.developer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn bad_tokens_get_401_with_a_json_error() {
    let api = Api::new().await;
    let app = &api.app;
    let summarize = {
        app.call(
            "create_deployment",
            &[
                ("name", "summarize"),
                ("description", ""),
                ("upstream_url", "http://127.0.0.1:1"),
                ("access", "protected"),
            ],
        )
        .await;
        let list: Value = app.call("list_deployments", &[]).await.json().await.unwrap();
        list["items"][0]["id"].to_string()
    };
    let user_only = token(app, &[("name", "user"), ("user", "on"), ("deployment_ids[]", &summarize)]).await;
    let doomed = token(app, &[("name", "doomed"), ("developer", "on")]).await;
    let expiring = token(app, &[("name", "expiring"), ("developer", "on")]).await;
    // Used (and so cached by the server) before it is deleted in the console.
    let (status, _) = api.request(Method::GET, "/api/v1/auth/current", Some(&doomed), None).await;
    assert_eq!(status, 200);
    let list: Value = app.call("list_api_tokens", &[("search", "doomed"), ("page", "1")]).await.json().await.unwrap();
    app.call("delete_api_token", &[("id", &list["items"][0]["id"].to_string())]).await;
    database(&app.dir).await.execute("update api_tokens set expires_at = 1 where name = 'expiring'").await.unwrap();

    let mut tampered = api.developer.clone();
    tampered.replace_range(30..31, if &tampered[30..31] == "x" { "y" } else { "x" });
    for (token, message) in [
        (None, "Missing API token"),
        (Some("not-a-token"), "Bad credentials"),
        (Some(tampered.as_str()), "Bad credentials"),
        (Some(doomed.as_str()), "Bad credentials"),
        (Some(expiring.as_str()), "Bad credentials"),
        (Some(user_only.as_str()), "User token"),
    ] {
        for path in ["/api/v1/auth/current", "/api/v1/current_org", "/api/v2/deployments", "/api/v1/api_tokens"] {
            let (status, body) = api.request(Method::GET, path, token, None).await;
            assert_eq!(status, 401, "{path} with {token:?}");
            assert!(body["error"].as_str().unwrap().contains(message), "{path}: {body}");
        }
    }
    // A session cookie is no API credential.
    let response = app.client.get(app.url("/api/v1/auth/current")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn deployments_list_accepts_the_clis_query_and_pages() {
    let api = Api::new().await;
    for name in ["alpha", "beta", "gamma"] {
        let (status, _) = api
            .send(Method::POST, "/api/v2/deployments", json!({"name": name, "upstream_url": "http://127.0.0.1:3999"}))
            .await;
        assert_eq!(status, 201);
    }
    let (status, page) = api.get("/api/v2/deployments?cluster=&all=true&count=&q=&search=&start=").await;
    assert_eq!(status, 200);
    assert_eq!((page["start"].clone(), page["count"].clone(), page["total"].clone()), (json!(0), json!(3), json!(3)));
    let alpha = &page["items"][0];
    assert_eq!(
        keys(alpha),
        [
            "access_type",
            "cluster",
            "created_at",
            "creator",
            "deleted_at",
            "description",
            "kube_namespace",
            "labels",
            "latest_revision",
            "name",
            "resource_type",
            "status",
            "uid",
            "updated_at",
            "upstream_url",
            "urls"
        ]
    );
    assert_eq!(alpha["name"], "alpha");
    assert_eq!(alpha["access_type"], "protected");
    assert_eq!(alpha["cluster"]["organization_name"], "Mybentocloud");
    let target = &alpha["latest_revision"]["targets"][0];
    assert_eq!(target["config"]["access_authorization"], true, "Protected");
    assert_eq!(
        (target["bento"]["repository"]["name"].clone(), target["bento"]["name"].clone()),
        (json!("alpha"), json!("upstream"))
    );
    let port = api.app.base_url.rsplit(':').next().unwrap();
    assert_eq!(alpha["urls"], json!([format!("http://alpha.mybentocloud.apps.localhost:{port}")]));

    let (_, page) = api.get("/api/v2/deployments?start=1&count=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["name"], "beta");
    assert_eq!(page["total"], 3);
    let (_, page) = api.get("/api/v2/deployments?start=10").await;
    assert_eq!((page["count"].clone(), page["total"].clone()), (json!(0), json!(3)));
    let (_, page) = api.get("/api/v2/deployments?count=0").await;
    assert_eq!(page["items"], json!([]));
    let (_, page) = api.get("/api/v2/deployments?search=MM").await;
    assert_eq!(page["total"], 1);
    for bad in ["start=-1", "count=-5", "count=abc", "start=1.5"] {
        let (status, body) = api.get(&format!("/api/v2/deployments?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body["error"].is_string());
    }

    let (status, one) = api.get("/api/v2/deployments/gamma?cluster=").await;
    assert_eq!((status, one["name"].clone()), (StatusCode::OK, json!("gamma")));
    let (status, body) = api.get("/api/v2/deployments/nope").await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("does not exist"));
    let (status, _) = api.get("/api/v2/deployments/Not_A_Name").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn deployments_are_managed_with_the_consoles_rules() {
    let api = Api::new().await;
    let (status, created) = api
        .send(Method::POST, "/api/v2/deployments", json!({"name": "Summarize", "upstream_url": "http://127.0.0.1:3999/", "access_type": "public", "description": "d"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(created["name"], "summarize");
    assert_eq!(created["upstream_url"], "http://127.0.0.1:3999");

    let bad_inputs = [
        (json!({"name": "summarize", "upstream_url": "http://h:1"}), 422, "already exists"),
        (json!({"name": "bad_name", "upstream_url": "http://h:1"}), 422, "lowercase letters"),
        (json!({"name": "x", "upstream_url": "ftp://h"}), 422, "http or https"),
        (
            json!({"name": "x", "upstream_url": "http://h:1", "access_type": "open"}),
            422,
            "Private, Protected or Public",
        ),
        (json!({"name": "x", "upstream_url": "http://h:1", "extra": 1}), 422, "unknown field"),
        (json!({"name": 5, "upstream_url": "http://h:1"}), 422, "invalid type"),
        (json!({"upstream_url": "http://h:1"}), 422, "missing field"),
    ];
    for (body, status, message) in bad_inputs {
        let (got, error) = api.send(Method::POST, "/api/v2/deployments", body.clone()).await;
        assert_eq!(got.as_u16(), status, "{body}");
        assert!(error["error"].as_str().unwrap().contains(message), "{body}: {error}");
    }
    let malformed = reqwest::Client::new()
        .post(api.app.url("/api/v2/deployments"))
        .header("X-YATAI-API-TOKEN", &api.developer)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let huge = json!({"name": "x", "upstream_url": "http://h:1", "description": "d".repeat(100_000)});
    let (status, _) = api.send(Method::POST, "/api/v2/deployments", huge).await;
    assert_eq!(status, 413);
    let (_, page) = api.get("/api/v2/deployments").await;
    assert_eq!(page["total"], 1, "nothing else was created");

    let (status, updated) =
        api.send(Method::PATCH, "/api/v2/deployments/summarize", json!({"access_type": "private"})).await;
    assert_eq!(status, 200);
    assert_eq!(updated["access_type"], "private");
    assert_eq!(updated["urls"], json!([]));
    assert_eq!(updated["description"], "d", "fields left out keep their values");
    let (status, _) =
        api.send(Method::PATCH, "/api/v2/deployments/summarize", json!({"upstream_url": "gopher://x"})).await;
    assert_eq!(status, 422);
    let (status, _) = api.send(Method::PATCH, "/api/v2/deployments/nope", json!({})).await;
    assert_eq!(status, 404);

    let (status, _) = api.request(Method::DELETE, "/api/v2/deployments/summarize", Some(&api.developer), None).await;
    assert_eq!(status, 200);
    let (status, _) = api.request(Method::DELETE, "/api/v2/deployments/summarize", Some(&api.developer), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn api_tokens_list_create_get_and_delete_and_the_secret_is_sent_once() {
    let api = Api::new().await;
    let (status, page) = api.get("/api/v1/api_tokens?start=0&count=100").await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    let cli = &page["items"][0];
    assert_eq!(cli["name"], "cli");
    assert_eq!(cli["resource_type"], "api_token");
    assert_eq!(
        cli["scopes"],
        json!(["api", "read_organization", "write_organization", "read_cluster", "write_cluster"])
    );
    assert_eq!(cli["user"]["email"], ADMIN_EMAIL);
    assert_eq!(cli["organization"]["name"], "Mybentocloud");
    assert!(cli.get("token").is_none(), "never a secret in a list");
    assert!(!page.to_string().contains(&api.developer[9..]));

    let (status, created) = api
        .send(Method::POST, "/api/v1/api_tokens", json!({"name": "scripted", "description": "from a script", "scopes": ["api"], "expired_at": "2099-01-01T00:00:00"}))
        .await;
    assert_eq!(status, 200);
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("bcst_"));
    assert_eq!(created["expired_at"], "2099-01-01T00:00:00Z");
    let uid = created["uid"].as_str().unwrap().to_owned();
    let (status, fetched) = api.get(&format!("/api/v1/api_tokens/{uid}")).await;
    assert_eq!(status, 200);
    assert!(fetched.get("token").is_none());
    // The new token works.
    let (status, _) = api.request(Method::GET, "/api/v1/auth/current", Some(&secret), None).await;
    assert_eq!(status, 200);

    for (body, field, message) in [
        (json!({"name": "none"}), "scopes", "--scope api"),
        (json!({"name": "odd", "scopes": ["api", "admin"]}), "scopes", "no scope \"admin\""),
        (json!({"name": "u", "scopes": ["deployment_endpoint_access"]}), "deployments", "at least one deployment"),
        (json!({"name": "scripted", "scopes": ["api"]}), "name", "already exists"),
        (json!({"name": "u", "deployments": ["nope"]}), "deployments", "no deployment named"),
        (json!({"name": "p", "scopes": ["api"], "expired_at": "2000-01-01T00:00:00Z"}), "expiration", "future"),
        (json!({"name": "p", "scopes": ["api"], "expired_at": "soon"}), "expiration", "RFC 3339"),
        (json!({"name": "", "scopes": ["api"]}), "name", "required"),
    ] {
        let (status, error) = api.send(Method::POST, "/api/v1/api_tokens", body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error["field"], field, "{body}: {error}");
        assert!(error["error"].as_str().unwrap().contains(message), "{body}: {error}");
    }
    let (_, page) = api.get("/api/v1/api_tokens?search=SCRIPT").await;
    assert_eq!(page["total"], 1);

    let (status, _) =
        api.request(Method::DELETE, &format!("/api/v1/api_tokens/{uid}"), Some(&api.developer), None).await;
    assert_eq!(status, 200);
    // (The token was just used, so the server had it cached: deletion must still win.)
    let (status, _) = api.request(Method::GET, "/api/v1/auth/current", Some(&secret), None).await;
    assert_eq!(status, 401, "a deleted token stops working at once");
    for missing in [uid.as_str(), "tok-abc", "42"] {
        let (status, _) = api.get(&format!("/api/v1/api_tokens/{missing}")).await;
        assert_eq!(status, 404, "{missing}");
    }
}

/// `bentoml api-token create` sends every key, `null` when not given, and `--expires` as its
/// local clock without an offset (`30d`, `24h`) or a date's midnight (`2030-01-31`).
#[tokio::test]
async fn api_tokens_are_created_from_the_bentoml_clis_exact_bodies() {
    let api = Api::new().await;
    let (status, bare) = api
        .send(
            Method::POST,
            "/api/v1/api_tokens",
            json!({"name": "bare", "description": null, "scopes": ["api"], "expired_at": null}),
        )
        .await;
    assert_eq!(status, 200, "{bare}");
    assert_eq!((bare["description"].clone(), bare["expired_at"].clone()), (json!(""), Value::Null));
    assert_eq!(bare["is_expired"], false);

    let in_a_week = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    let sent = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.123456",
        in_a_week.year(),
        u8::from(in_a_week.month()),
        in_a_week.day(),
        in_a_week.hour(),
        in_a_week.minute(),
        in_a_week.second()
    );
    let body = json!({"name": "week", "description": "d", "scopes": ["api", "read_cluster"], "expired_at": sent});
    let (status, week) = api.send(Method::POST, "/api/v1/api_tokens", body).await;
    assert_eq!(status, 200, "{week}");
    assert_eq!(week["expired_at"], format!("{}Z", sent[..19].replacen(' ', "T", 1)));

    let body =
        json!({"name": "dated", "description": null, "scopes": ["api"], "expired_at": "2030-01-31 00:00:00.000000"});
    let (status, dated) = api.send(Method::POST, "/api/v1/api_tokens", body).await;
    assert_eq!(status, 200, "{dated}");
    assert_eq!(dated["expired_at"], "2030-01-31T00:00:00Z", "the time the CLI sent, in UTC");

    let body =
        json!({"name": "past", "description": null, "scopes": ["api"], "expired_at": "2001-01-01 00:00:00.000000"});
    let (status, error) = api.send(Method::POST, "/api/v1/api_tokens", body).await;
    assert_eq!(status, 422);
    assert!(error["error"].as_str().unwrap().contains("taken as UTC"), "{error}");
    let body = json!({"name": "none", "description": null, "scopes": null, "expired_at": null});
    let (status, error) = api.send(Method::POST, "/api/v1/api_tokens", body).await;
    assert_eq!((status, error["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("scopes")));
    let (_, page) = api.get("/api/v1/api_tokens").await;
    assert_eq!(page["total"], 4, "cli, bare, week and dated; nothing for the refused ones");
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let api = Api::new().await;
    let response = reqwest::get(api.app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/current",
        "/api/v1/current_org",
        "/api/v2/deployments",
        "/api/v2/deployments/{name}",
        "/api/v1/api_tokens",
        "/api/v1/api_tokens/{uid}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["api_token"].is_object());
    let (status, body) = api.get("/api/v3/nothing").await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn a_bare_expiry_date_means_through_that_day_in_the_console_and_the_api() {
    let api = Api::new().await;
    let (status, created) = api
        .send(
            Method::POST,
            "/api/v1/api_tokens",
            json!({"name": "rest", "scopes": ["api"], "expired_at": "2099-01-31"}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["expired_at"], "2099-02-01T00:00:00Z");

    let form = [
        ("name", "console"),
        ("description", ""),
        ("developer", "on"),
        ("expiration", "custom"),
        ("expires_on", "2099-01-31"),
    ];
    assert_eq!(api.app.call("create_api_token", &form).await.status(), 200);
    let (_, page) = api.get("/api/v1/api_tokens?search=console").await;
    assert_eq!(page["items"][0]["expired_at"], created["expired_at"]);
}

/// `bentoml deployment update NAME --access-authorization false` reads the deployment and its
/// (placeholder) Bento, then sends this body with PUT.
fn cli_update_body(name: &str, access_authorization: bool) -> Value {
    json!({"access_authorization": access_authorization, "envs": null, "labels": null, "secrets": null,
        "services": {name: {"instance_type": null, "scaling": {"min_replicas": 1, "max_replicas": 1, "policy": null},
            "envs": null, "deployment_strategy": null, "extras": null, "cold_start_timeout": null, "config_overrides": {}}},
        "canary": null, "bento": format!("{name}:upstream")})
}

#[tokio::test]
async fn a_put_from_the_bentoml_cli_sets_protected_or_public_and_private_stays_private() {
    let api = Api::new().await;
    let create = |name: &str, access: &str| json!({"name": name, "upstream_url": "http://127.0.0.1:3999", "access_type": access});
    assert_eq!(api.send(Method::POST, "/api/v2/deployments", create("summarize", "protected")).await.0, 201);
    assert_eq!(api.send(Method::POST, "/api/v2/deployments", create("internal", "private")).await.0, 201);
    let (status, bento) = api.get("/api/v1/bento_repositories/summarize/bentos/upstream").await;
    assert_eq!((status, bento["manifest"]["entry_service"].clone()), (StatusCode::OK, json!("summarize")));
    for missing in ["/api/v1/bento_repositories/summarize/bentos/v2", "/api/v1/bento_repositories/nope/bentos/upstream"]
    {
        assert_eq!(api.get(missing).await.0, 404, "{missing}");
    }

    let access = |body: &Value| body["access_type"].as_str().unwrap().to_owned();
    for (name, authorization, expected) in [
        ("summarize", false, "public"),
        ("summarize", true, "protected"),
        ("internal", false, "private"),
        ("internal", true, "private"),
    ] {
        let (status, body) = api.put(name, cli_update_body(name, authorization)).await;
        assert_eq!((status, access(&body)), (StatusCode::OK, expected.to_owned()), "{name} {authorization}");
        let (_, stored) = api.get(&format!("/api/v2/deployments/{name}")).await;
        assert_eq!(access(&stored), expected);
        let authorized = stored["latest_revision"]["targets"][0]["config"]["access_authorization"].clone();
        assert_eq!(authorized, json!(expected == "protected"));
    }
    let (status, body) = api.put("internal", json!({"access_type": "protected", "access_authorization": false})).await;
    assert_eq!((status, access(&body)), (StatusCode::OK, "protected".to_owned()), "access_type says it exactly");

    let mut with_env = cli_update_body("summarize", false);
    with_env["envs"] = json!([{"name": "A", "value": "1"}]);
    let mut other_bento = cli_update_body("summarize", false);
    other_bento["bento"] = json!("iris:v1");
    for (body, message) in [(with_env, "environment variables"), (other_bento, "runs no Bentos")] {
        let (status, error) = api.put("summarize", body).await;
        assert_eq!(status, 422);
        assert!(error["error"].as_str().unwrap().contains(message), "{error}");
    }
    let (_, stored) = api.get("/api/v2/deployments/summarize").await;
    assert_eq!(access(&stored), "protected", "a refused update changes nothing");
    assert_eq!(api.put("nope", cli_update_body("nope", true)).await.0, 404);
}

#[tokio::test]
async fn a_patch_validates_only_the_fields_it_changes() {
    let api = Api::new().await;
    let body = json!({"name": "summarize", "upstream_url": "http://127.0.0.1:3999", "access_type": "protected"});
    assert_eq!(api.send(Method::POST, "/api/v2/deployments", body).await.0, 201);
    // A description stored before today's rules (it has a direction control) ...
    database(&api.app.dir).await.execute("update deployments set description = 'legacy \u{202E}txet'").await.unwrap();
    // ... does not block a change to another field, and is kept as it was.
    let (status, changed) =
        api.send(Method::PATCH, "/api/v2/deployments/summarize", json!({"access_type": "public"})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["access_type"], "public");
    assert_eq!(changed["description"], "legacy \u{202E}txet");
    // A field that is given is still checked.
    let (status, error) =
        api.send(Method::PATCH, "/api/v2/deployments/summarize", json!({"description": "new \u{202E}"})).await;
    assert_eq!((status, error["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("description")));
}

#[tokio::test]
async fn a_database_failure_is_a_500_not_a_validation_error() {
    let api = Api::new().await;
    database(&api.app.dir).await.execute("alter table deployments rename to deployments_gone").await.unwrap();
    let response = reqwest::Client::new()
        .post(api.app.url("/api/v1/api_tokens"))
        .header("X-YATAI-API-TOKEN", &api.developer)
        .json(&json!({"name": "u", "deployments": ["summarize"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(response.headers().contains_key("x-trace-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "Something went wrong on our side. Please try again.");
    assert!(!body.to_string().contains("deployments"), "no database text reaches the client: {body}");
}
