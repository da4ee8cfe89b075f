//! Token benchmarks against the real application and a real SQLite file:
//!
//! - `create`: the `create_api_token` server function over HTTP (1,000 tokens in the database),
//! - `render`: the `/api_tokens` page rendered on the server (1,000 tokens in the database),
//! - `verify`: `tokens::verify` in-process (100,000 tokens in the database).
//!
//! Run with `make bench` (release build). Prints p50/p90/p99 per measurement.

use std::time::{Duration, Instant};

use bento_console::server::{config::Config, db, tokens, Application};
use rand::RngCore;

const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::local(format!("sqlite://{}", dir.path().join("bench.db").display()));
    let app = Application::build(config.clone()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let code = app.setup_url().unwrap().split("code=").nth(1).unwrap().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let call = |name: &str, form: Vec<(&str, String)>| {
        client
            .post(format!("{base}/rpc/{name}"))
            .header("origin", &base)
            .header("accept", "application/json")
            .form(&form)
            .send()
    };
    let setup = call(
        "setup",
        vec![
            ("code", code),
            ("organization_name", "Bench".into()),
            ("name", "Bench".into()),
            ("email", "bench@example.com".into()),
            ("password", PASSWORD.into()),
            ("password_confirmation", PASSWORD.into()),
        ],
    )
    .await
    .unwrap();
    assert!(setup.status().is_success());
    let pool = db::connect_and_migrate(&config.database_url).await.unwrap();
    let db::Pool::Sqlite(sqlite, _) = &pool else { unreachable!("the bench's database is a SQLite file") };
    let org: i64 = sqlx::query_scalar("select id from organizations").fetch_one(sqlite).await.unwrap();

    insert_tokens(sqlite, org, 1_000).await;
    let mut create = Vec::new();
    let mut secret = String::new();
    for i in 0..300 {
        let form = vec![
            ("name", format!("bench {i}")),
            ("description", String::new()),
            ("developer", "on".into()),
            ("expiration", "never".into()),
            ("confirm_never", "on".into()),
        ];
        let started = Instant::now();
        let response = call("create_api_token", form).await.unwrap();
        assert!(response.status().is_success());
        let body: serde_json::Value = response.json().await.unwrap();
        create.push(started.elapsed());
        secret = body["secret"].as_str().unwrap().to_owned();
    }
    report("create (server function over HTTP, 1k tokens)", create);

    let mut render = Vec::new();
    for _ in 0..300 {
        let started = Instant::now();
        let html = client.get(format!("{base}/api_tokens")).send().await.unwrap().text().await.unwrap();
        render.push(started.elapsed());
        assert!(html.contains("Showing 1–50 of 1300"));
    }
    report("render /api_tokens (server-side HTML, 1.3k tokens)", render);

    insert_tokens(sqlite, org, 100_000 - 1_300).await;
    let count: i64 = sqlx::query_scalar("select count(*) from api_tokens").fetch_one(sqlite).await.unwrap();
    let cache = tokens::TokenCache::default();
    let mut verify = Vec::new();
    for _ in 0..20_000 {
        let started = Instant::now();
        let verified = tokens::verify(&pool, Some(&cache), &secret, None).await;
        verify.push(started.elapsed());
        assert!(verified.is_ok());
    }
    report(&format!("verify (in-process, {}k tokens)", count / 1000), verify);

    // The cache-miss path: a fresh cache for every call, so each goes to the database.
    let mut uncached = Vec::new();
    for _ in 0..5_000 {
        let started = Instant::now();
        let verified = tokens::verify(&pool, Some(&tokens::TokenCache::default()), &secret, None).await;
        uncached.push(started.elapsed());
        assert!(verified.is_ok());
    }
    report(&format!("verify, cache miss (database, {}k tokens)", count / 1000), uncached);

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Inserts `n` tokens with random digests, as if created over time (bulk, one transaction).
async fn insert_tokens(pool: &sqlx::SqlitePool, organization_id: i64, n: usize) {
    let mut tx = pool.begin().await.unwrap();
    let now = db::now();
    let offset: i64 = sqlx::query_scalar("select count(*) from api_tokens").fetch_one(&mut *tx).await.unwrap();
    for i in 0..n {
        let mut digest = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut digest);
        let name = format!("seeded {}", offset + i as i64);
        sqlx::query(
            "insert into api_tokens (organization_id, name, name_key, description, is_user, is_developer, digest, prefix, created_at)
             values ($1, $2, $2, '', false, true, $3, 'bcst_seed', $4)",
        )
        .bind(organization_id)
        .bind(&name)
        .bind(&digest[..])
        .bind(now - 86_400)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!("{what:<52} n={:<6} p50={:>9.1?} p90={:>9.1?} p99={:>9.1?}", samples.len(), at(0.50), at(0.90), at(0.99));
}
