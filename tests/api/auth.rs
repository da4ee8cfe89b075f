use reqwest::header;

use crate::helpers::*;

async fn app_with_admin() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    assert_eq!(app.sign_out().await.status(), 200);
    assert_eq!(app.account_status().await, 401);
    app
}

#[tokio::test]
async fn health_check_answers_without_a_session() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn pages_redirect_to_sign_in_without_a_session() {
    let app = spawn_app().await;
    for (path, location) in [
        ("/", "/login"),
        ("/api_tokens", "/login?next=%2Fapi_tokens"),
        ("/deployments?x=1", "/login?next=%2Fdeployments%3Fx%3D1"),
        ("/no-such-page", "/login?next=%2Fno-such-page"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()[header::LOCATION], location, "{path}");
    }
    let login = app.get("/login").await;
    assert_eq!(login.status(), 200);
    let html = login.text().await.unwrap();
    assert!(
        html.contains(r#"action="/rpc/login""#) && html.contains(r#"name="password""#),
        "a plain form that works without JavaScript"
    );
}

#[tokio::test]
async fn server_functions_refuse_without_a_session() {
    let app = spawn_app().await;
    for name in ["current_account", "logout", "anything_else"] {
        let response = app.call(name, &[]).await;
        assert_eq!(response.status(), 401, "{name}");
        assert_eq!(error_body(response).await, "Unauthorized");
    }
    // A plain HTML form post without a session is sent to sign-in rather than shown JSON.
    let response = app
        .client
        .post(app.url("/rpc/logout"))
        .header(header::ORIGIN, &app.base_url)
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/login");
}

#[tokio::test]
async fn sign_in_succeeds_with_the_right_password_and_lands_on_next() {
    let app = app_with_admin().await;
    let response = app
        .call("login", &[("email", " ADA@example.com "), ("password", ADMIN_PASSWORD), ("next", "/api_tokens")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::LOCATION], "/api_tokens");
    assert_eq!(app.account_status().await, 200);
    let page = app.get("/deployments").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Mybentocloud") && html.contains("Ada Lovelace"), "the shell shows organization and user");
}

#[tokio::test]
async fn next_cannot_redirect_off_site() {
    let app = app_with_admin().await;
    let response =
        app.call("login", &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("next", "//evil.example/x")]).await;
    assert_eq!(response.headers()[header::LOCATION], "/");
}

#[tokio::test]
async fn wrong_email_and_wrong_password_read_the_same() {
    let app = app_with_admin().await;
    let wrong_password = app.login(ADMIN_EMAIL, "not the password").await;
    let unknown_email = app.login("nobody@example.com", ADMIN_PASSWORD).await;
    assert_eq!(wrong_password.status(), 401);
    assert_eq!(unknown_email.status(), 401);
    let (a, b) = (error_body(wrong_password).await, error_body(unknown_email).await);
    assert_eq!(a, b);
    assert_eq!(a, "BadCredentials");
    assert_eq!(app.account_status().await, 401);
}

#[tokio::test]
async fn repeated_failures_for_an_email_are_rate_limited() {
    let app = app_with_admin().await;
    for _ in 0..5 {
        assert_eq!(app.login(ADMIN_EMAIL, "not the password").await.status(), 401);
    }
    // Locked now, even with the right password.
    let response = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 429);
    let body = error_body(response).await;
    let seconds = body["RateLimited"].as_u64().expect("RateLimited carries the wait");
    assert!((1..=60).contains(&seconds), "{body}");
    assert_eq!(app.account_status().await, 401);
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_rate_limited() {
    let app = app_with_admin().await;
    for i in 0..20 {
        assert_eq!(app.login(&format!("user{i}@example.com"), "whatever password").await.status(), 401);
    }
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn cross_site_server_function_calls_are_refused_and_change_nothing() {
    let app = app_with_admin().await;
    let response =
        app.call_from("http://evil.example", "login", &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_body(response).await, "CrossSite");
    assert_eq!(app.account_status().await, 401, "no session was created");

    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    let response = app.call_from("http://127.0.0.1:1", "logout", &[]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(app.account_status().await, 200, "still signed in");
}

#[tokio::test]
async fn sign_out_ends_the_session_for_good() {
    let app = app_with_admin().await;
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    let cookie = app.cookies();
    assert_eq!(app.sign_out().await.status(), 200);
    assert_eq!(app.account_status().await, 401);
    // Replaying the old cookie does not bring the session back.
    let replay = reqwest::Client::new()
        .post(app.url("/rpc/current_account"))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, &app.base_url)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
}

#[tokio::test]
async fn sign_in_rotates_the_session_id_and_sets_safe_cookie_flags() {
    let app = app_with_admin().await;
    let response = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("bento_console_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http public URL: {set_cookie}");
    let first = app.cookies();
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    assert_ne!(first, app.cookies(), "a new id at every sign-in");
}

#[tokio::test]
async fn https_public_url_marks_the_cookie_secure() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = config_for(&dir);
    config.public_url = Some("https://console.example.com".parse().unwrap());
    let app = spawn_app_with(config, dir, browser_like_client()).await;
    let code = app.setup_code();
    let response = app
        .call_from(
            "https://console.example.com",
            "setup",
            &[
                ("code", &code),
                ("organization_name", "Acme"),
                ("name", "Ada"),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("password_confirmation", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()[header::SET_COOKIE].to_str().unwrap().contains("Secure"));
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let app = app_with_admin().await;
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    let app = app.restart().await;
    assert_eq!(app.account_status().await, 200);
    assert_eq!(app.get("/api_tokens").await.status(), 200);
}

#[tokio::test]
async fn unknown_pages_are_404_for_signed_in_users() {
    let app = spawn_app().await;
    app.setup_admin().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_parallel_burst_of_sign_ins_checks_at_most_five_passwords() {
    let app = app_with_admin().await;
    // 39 wrong guesses and the right one, all at once, for one account, each from its own client.
    let forms = (0..40)
        .map(|i| {
            let password = if i == 20 { ADMIN_PASSWORD.to_owned() } else { format!("wrong guess {i}") };
            vec![("email".into(), ADMIN_EMAIL.into()), ("password".into(), password)]
        })
        .collect();
    let statuses = call_concurrently(&app, None, "login", forms).await;
    let checked = statuses.iter().filter(|s| **s == 401 || **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} passwords were checked: {statuses:?}");
    assert_eq!(checked + limited, 40, "{statuses:?}");
}

#[tokio::test]
async fn successful_sign_ins_do_not_use_up_the_address() {
    let app = app_with_admin().await;
    // More successful sign-ins from one address (people behind one NAT) than its limit of
    // tries: all succeed.
    for _ in 0..25 {
        assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);
    }
}
