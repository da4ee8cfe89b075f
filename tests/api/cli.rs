//! The `bento-console` binary's user commands, run as an admin would.

use crate::helpers::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn user_create_names_the_organization_on_an_empty_database() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let config = config_for(&dir);
    let db = config.database_url.clone();
    create_database(&db).await;
    let create = ["user", "create", "--email", "Grace@Example.com", "--name", "Grace Hopper", "--admin"];

    let out = run_bento_console(&db, &create, "correct horse battery\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--organization"), "{}", text(&out.stderr));

    let with_org = [&create[..], &["--organization", "Navy Labs"]].concat();
    let out = run_bento_console(&db, &with_org, "correct horse battery\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("grace@example.com"));

    let out = run_bento_console(&db, &with_org, "correct horse battery\n");
    assert!(text(&out.stderr).contains("already exists"), "duplicate email: {}", text(&out.stderr));

    let out = run_bento_console(
        &db,
        &["user", "create", "--email", "x@example.com", "--name", "X", "--organization", "Other"],
        "correct horse battery\n",
    );
    assert!(text(&out.stderr).contains("Navy Labs"), "{}", text(&out.stderr));

    let out = run_bento_console(&db, &["user", "create", "--email", "y@example.com", "--name", "Y"], "short\n");
    assert!(text(&out.stderr).contains("at least 12"), "{}", text(&out.stderr));

    // The created user signs in to the console, and no setup link is offered.
    let app = spawn_app_with(config, dir, browser_like_client()).await;
    assert!(app.setup_url.is_none());
    assert_eq!(app.login("grace@example.com", "correct horse battery").await.status(), 200);
    let account: serde_json::Value = app.call("current_account", &[]).await.json().await.unwrap();
    assert_eq!(account["organization_name"], "Navy Labs");
    assert_eq!(account["role"], "admin");
}

#[test]
fn migrate_creates_the_database_and_help_documents_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("nested/dir/console.db").display());
    let out = run_bento_console(&db, &["migrate"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("nested/dir/console.db").exists());

    let help = text(&run_bento_console(&db, &["--help"], "").stdout);
    for documented in ["serve", "migrate", "user", "BENTO_CONSOLE_ADDR", "DATABASE_URL", "BENTO_CONSOLE_PUBLIC_URL"] {
        assert!(help.contains(documented), "--help mentions {documented}:\n{help}");
    }
}

/// On the suite's engine (SQLite, or PostgreSQL in its pass): `migrate` creates the schema,
/// and running it again changes nothing; a URL with another scheme is refused.
#[tokio::test]
async fn migrate_runs_on_either_engine_and_other_schemes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path());
    create_database(&db).await;
    for _ in 0..2 {
        let out = run_bento_console(&db, &["migrate"], "");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let tables = bento_console::server::db::connect_and_migrate(&db).await.unwrap();
    assert_eq!(tables.execute("select 1 from api_tokens").await.unwrap(), 0);

    let out = run_bento_console("mysql://ada@db/console", &["migrate"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("must start with sqlite://"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn deployments_can_be_scripted() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("console.db").display());
    let create =
        ["deployment", "create", "--name", "Summarize", "--upstream", "http://127.0.0.1:3999", "--access", "public"];

    let out = run_bento_console(&db, &create, "");
    assert!(text(&out.stderr).contains("no organization yet"), "{}", text(&out.stderr));

    let out = run_bento_console(
        &db,
        &["user", "create", "--email", "a@example.com", "--name", "A", "--organization", "Acme"],
        "correct horse battery\n",
    );
    assert!(out.status.success());
    let out = run_bento_console(&db, &create, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("http://summarize.acme.apps.localhost:3000"), "{}", text(&out.stdout));

    let out = run_bento_console(&db, &create, "");
    assert!(text(&out.stderr).contains("already exists"));
    let out = run_bento_console(
        &db,
        &["deployment", "create", "--name", "x", "--upstream", "ftp://h", "--access", "public"],
        "",
    );
    assert!(text(&out.stderr).contains("http or https"));
    let out = run_bento_console(
        &db,
        &["deployment", "create", "--name", "x", "--upstream", "http://h", "--access", "open"],
        "",
    );
    assert!(text(&out.stderr).contains("Private, Protected or Public"));

    let listed = text(&run_bento_console(&db, &["deployment", "list"], "").stdout);
    assert_eq!(listed.trim(), "summarize\tpublic\thttp://127.0.0.1:3999\thttp://summarize.acme.apps.localhost:3000");

    assert!(run_bento_console(&db, &["deployment", "delete", "--name", "summarize"], "").status.success());
    assert_eq!(text(&run_bento_console(&db, &["deployment", "list"], "").stdout), "");
    let out = run_bento_console(&db, &["deployment", "delete", "--name", "summarize"], "");
    assert!(text(&out.stderr).contains("does not exist"));
}
