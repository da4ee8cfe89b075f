use serde_json::{json, Value};

use crate::helpers::*;

async fn setup_available(app: &TestApp, code: &str) -> bool {
    app.call("setup_available", &[("code", code)]).await.json().await.unwrap()
}

#[tokio::test]
async fn a_fresh_console_offers_setup_and_it_signs_the_admin_in() {
    let app = spawn_app().await;
    let code = app.setup_code();
    assert!(setup_available(&app, &code).await);

    let response = app.setup_admin().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["location"], "/");
    let account: serde_json::Value = app.call("current_account", &[]).await.json().await.unwrap();
    assert_eq!(account["organization_name"], "Mybentocloud");
    assert_eq!(account["email"], ADMIN_EMAIL);
    assert_eq!(account["role"], "admin");
}

#[tokio::test]
async fn setup_is_refused_without_the_right_code() {
    let app = spawn_app().await;
    for code in ["", "wrong", &app.setup_code()[..31]] {
        assert!(!setup_available(&app, code).await);
        let response = app
            .call(
                "setup",
                &[
                    ("code", code),
                    ("organization_name", "Evil"),
                    ("name", "Mallory"),
                    ("email", "mallory@example.com"),
                    ("password", ADMIN_PASSWORD),
                    ("password_confirmation", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 403, "code {code:?}");
        assert!(error_body(response).await["Forbidden"].as_str().unwrap().contains("invalid or has already been used"));
    }
    // Nothing was created: the real code still works.
    assert_eq!(app.setup_admin().await.status(), 200);
}

#[tokio::test]
async fn setup_is_refused_once_a_user_exists_even_after_a_restart() {
    let app = spawn_app().await;
    let code = app.setup_code();
    assert_eq!(app.setup_admin().await.status(), 200);
    // The same code a second time.
    let again = app
        .call(
            "setup",
            &[
                ("code", &code),
                ("organization_name", "Second"),
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", ADMIN_PASSWORD),
                ("password_confirmation", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), 403);

    let app = app.restart().await;
    assert!(app.setup_url.is_none(), "no setup link once a user exists");
    assert!(!setup_available(&app, &code).await);
    let page = app.get(&format!("/setup?code={code}")).await.text().await.unwrap();
    assert!(page.contains("Setup is not available"));
    // Eve cannot sign in: she was never created.
    assert_eq!(app.login("eve@example.com", ADMIN_PASSWORD).await.status(), 401);
}

#[tokio::test]
async fn setup_validates_every_field_and_stores_nothing_on_error() {
    let app = spawn_app().await;
    let code = app.setup_code();
    let cases = [
        ("organization_name", "   ", "organization_name", "Organization name is required."),
        ("organization_name", "!!!", "organization_name", "at least one letter or digit"),
        ("name", "", "name", "Name is required."),
        ("name", &"x".repeat(65), "name", "at most 64"),
        ("email", "not-an-email", "email", "email address like"),
        ("password", "too short", "password", "at least 12"),
        ("password_confirmation", "something else entirely", "password_confirmation", "do not match"),
    ];
    for (key, value, field, message) in cases {
        let mut form = vec![
            ("code", code.as_str()),
            ("organization_name", "Acme"),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", ADMIN_PASSWORD),
            ("password_confirmation", ADMIN_PASSWORD),
        ];
        for pair in form.iter_mut().filter(|(k, _)| *k == key) {
            pair.1 = value;
        }
        let response = app.call("setup", &form).await;
        assert_eq!(response.status(), 422, "{key}={value:?}");
        let body = error_body(response).await;
        // One broken field is `Invalid`; several are `InvalidFields`, one message each.
        let errors = match &body["InvalidFields"] {
            Value::Array(all) => all.clone(),
            _ => vec![body["Invalid"].clone()],
        };
        let error = errors.iter().find(|e| e["field"] == json!(field)).unwrap_or_else(|| panic!("{field} in {body}"));
        assert!(error["message"].as_str().unwrap().contains(message), "{body}");
        if key == "password" {
            // A short password that also differs from its confirmation: both are said at once.
            assert_eq!(errors.len(), 2, "{body}");
            assert!(errors.iter().any(|e| e["field"] == "password_confirmation"), "{body}");
        }
    }
    assert_eq!(app.account_status().await, 401, "a failed setup signs nobody in");
    assert_eq!(app.login("ada@example.com", ADMIN_PASSWORD).await.status(), 401, "no user was stored");
    assert_eq!(app.setup_admin().await.status(), 200, "the code survives failed attempts");
}
