use std::sync::Arc;

use bento_console::server::{config::Config, Application};
use reqwest::{cookie::Jar, header, redirect, Client, Response};
use tempfile::TempDir;
use tokio::{sync::oneshot, task::JoinHandle};

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// A running application. The database directory outlives the app so a test can restart it.
pub struct TestApp {
    pub base_url: String,
    /// `http://127.0.0.1:<port>` of the internal listener, when configured.
    pub internal_url: Option<String>,
    pub dir: Arc<TempDir>,
    pub setup_url: Option<String>,
    /// Keeps cookies (like a browser) and does not follow redirects, so tests can see them.
    pub client: Client,
    pub jar: Arc<Jar>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

pub fn config_for(dir: &TempDir) -> Config {
    Config::local(database_url(dir.path()))
}

/// The test's database: a SQLite file in `dir`; or, when `BENTO_CONSOLE_TEST_POSTGRES` names a
/// PostgreSQL server (`make test` runs the suite once on each engine), a database of its own
/// there, named after `dir` so that a restarted app finds it again.
pub fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("BENTO_CONSOLE_TEST_POSTGRES") {
        Ok(server) => {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut hasher);
            format!("{}/t{:016x}", server.trim_end_matches('/'), hasher.finish())
        }
        Err(_) => format!("sqlite://{}", dir.join("console.db").display()),
    }
}

/// Creates the PostgreSQL database `url` names, if it is one and does not exist yet (SQLite
/// creates its file by itself).
pub async fn create_database(url: &str) {
    use sqlx::migrate::MigrateDatabase;
    if url.starts_with("postgres") && !sqlx::Postgres::database_exists(url).await.unwrap() {
        sqlx::Postgres::create_database(url).await.unwrap();
    }
}

/// Opens the database of a test's app (for checks and changes behind the app's back).
pub async fn database(dir: &TempDir) -> bento_console::server::db::Pool {
    bento_console::server::db::connect_and_migrate(&database_url(dir.path())).await.unwrap()
}

pub fn browser_like_client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder().cookie_provider(jar.clone()).redirect(redirect::Policy::none()).build().unwrap();
    (client, jar)
}

pub async fn spawn_app() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    spawn_app_with(config_for(&dir), dir, browser_like_client()).await
}

pub async fn spawn_app_with(config: Config, dir: Arc<TempDir>, (client, jar): (Client, Arc<Jar>)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        bento_console::server::telemetry::init();
    }
    create_database(&config.database_url).await;
    let app = Application::build(config).await.expect("the application builds");
    let base_url = format!("http://127.0.0.1:{}", app.port());
    let internal_url = app.internal_port().map(|port| format!("http://127.0.0.1:{port}"));
    let setup_url = app.setup_url();
    let (tx, rx) = oneshot::channel();
    let handle = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp { base_url, internal_url, dir, setup_url, client, jar, shutdown: Some(tx), handle: Some(handle) }
}

impl TestApp {
    /// Stops the server gracefully and starts a new one on the same database, keeping the
    /// client (and so its cookies).
    pub async fn restart(self) -> TestApp {
        let config = config_for(&self.dir);
        self.restart_with(config).await
    }

    /// Like `restart`, with another configuration (on the same database).
    pub async fn restart_with(mut self, config: Config) -> TestApp {
        self.stop().await;
        spawn_app_with(config, self.dir.clone(), (self.client.clone(), self.jar.clone())).await
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap().unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn setup_code(&self) -> String {
        let url = self.setup_url.as_deref().expect("a fresh database offers setup");
        url.split("code=").nth(1).unwrap().to_owned()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Calls a server function the way the browser's JavaScript does (same origin, form body).
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Response {
        self.call_from(&self.base_url, name, form).await
    }

    pub async fn call_from(&self, origin: &str, name: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(&format!("/rpc/{name}")))
            .header(header::ORIGIN, origin)
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn setup_admin(&self) -> Response {
        let code = self.setup_code();
        self.call(
            "setup",
            &[
                ("code", &code),
                ("organization_name", "Mybentocloud"),
                ("name", "Ada Lovelace"),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("password_confirmation", ADMIN_PASSWORD),
            ],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.call("login", &[("email", email), ("password", password)]).await
    }

    pub async fn sign_out(&self) -> Response {
        self.call("logout", &[]).await
    }

    /// The `Cookie` header the client would send now.
    pub fn cookies(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.base_url.parse().unwrap();
        self.jar.cookies(&url).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }

    /// `current_account`'s status: 200 when the client's session is signed in.
    pub async fn account_status(&self) -> u16 {
        self.call("current_account", &[]).await.status().as_u16()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Calls server function `name` once per form, all at once, each from `client` (a fresh
/// client per call when `None`); returns the statuses in the order of `forms`.
pub async fn call_concurrently(
    app: &TestApp,
    client: Option<&Client>,
    name: &str,
    forms: Vec<Vec<(String, String)>>,
) -> Vec<u16> {
    let calls: Vec<_> = forms
        .into_iter()
        .map(|form| {
            let client = client.cloned().unwrap_or_else(|| browser_like_client().0);
            let (url, origin) = (app.url(&format!("/rpc/{name}")), app.base_url.clone());
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .header(header::ORIGIN, origin)
                    .header(header::ACCEPT, "application/json")
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::with_capacity(calls.len());
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    statuses
}

/// The body of a server-function error, as JSON.
pub async fn error_body(response: Response) -> serde_json::Value {
    response.json().await.unwrap()
}

/// The password members who join through an invitation choose in the tests.
pub const MEMBER_PASSWORD: &str = "member's own passphrase";

/// A browser on the app with cookies of its own: another member's session.
#[derive(Clone)]
pub struct Browser {
    pub base_url: String,
    pub client: Client,
}

impl Browser {
    /// Calls a server function the way the browser's JavaScript does (same origin, form body).
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}/rpc/{name}", self.base_url))
            .header(header::ORIGIN, &self.base_url)
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// `current_account`'s status: 200 when this browser's session is signed in.
    pub async fn account_status(&self) -> u16 {
        self.call("current_account", &[]).await.status().as_u16()
    }
}

impl TestApp {
    /// The app's own client (the admin's session after `setup_admin`), as a [`Browser`].
    pub fn browser(&self) -> Browser {
        Browser { base_url: self.base_url.clone(), client: self.client.clone() }
    }

    /// A browser with no cookies yet.
    pub fn new_browser(&self) -> Browser {
        Browser { base_url: self.base_url.clone(), client: browser_like_client().0 }
    }

    /// Invites `email` as `role` (`admin`, `developer`, `endpoint_user`) with the app's client,
    /// which must be an admin's; the invitation as answered and the code from its link.
    pub async fn invite(&self, name: &str, email: &str, role: &str) -> (serde_json::Value, String) {
        let response = self.call("invite_member", &[("name", name), ("email", email), ("role", role)]).await;
        assert_eq!(response.status(), 200, "invite {email}");
        let created: serde_json::Value = response.json().await.unwrap();
        let link = created["link"].as_str().unwrap();
        assert!(link.contains("/join?code="), "{link}");
        let code = link.split("code=").nth(1).unwrap().to_owned();
        (created["invitation"].clone(), code)
    }

    /// Invites someone as `role` (as the app's admin client), and joins with the code from the
    /// link in a new browser, choosing [`MEMBER_PASSWORD`]: that browser, signed in as them.
    pub async fn as_member(&self, name: &str, email: &str, role: &str) -> Browser {
        let (_, code) = self.invite(name, email, role).await;
        let browser = self.new_browser();
        let joined = join(&browser, &code, name).await;
        assert_eq!(joined.status(), 200, "{email} joins");
        assert_eq!(browser.account_status().await, 200, "{email} is signed in");
        browser
    }

    /// Calls the REST API with a Developer token in `X-YATAI-API-TOKEN`; the status and JSON
    /// body (`null` when there is none).
    pub async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = Client::new().request(method, self.url(path)).header("X-YATAI-API-TOKEN", token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// Joins with an invitation's `code` from `browser`, choosing [`MEMBER_PASSWORD`].
pub async fn join(browser: &Browser, code: &str, name: &str) -> Response {
    browser
        .call(
            "join",
            &[
                ("code", code),
                ("name", name),
                ("password", MEMBER_PASSWORD),
                ("password_confirmation", MEMBER_PASSWORD),
            ],
        )
        .await
}

/// Every row of `table`, each column rendered as text (numbers in decimal, bytes as they are,
/// NULL as empty): for scanning what the database holds, on either engine.
pub async fn table_text(pool: &bento_console::server::db::Pool, table: &str) -> Vec<Vec<String>> {
    use bento_console::server::db::Pool;
    use sqlx::{Column, Row};
    let sql = format!("select * from {table}");
    macro_rules! render {
        ($pool:expr) => {{
            let rows = sqlx::query(&sql).fetch_all($pool).await.unwrap();
            rows.iter()
                .map(|row| {
                    row.columns()
                        .iter()
                        .map(|column| {
                            let i = column.ordinal();
                            if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                                return v.unwrap_or_default();
                            }
                            if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                                return v.map(|v| v.to_string()).unwrap_or_default();
                            }
                            if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
                                return v.map(|v| v.to_string()).unwrap_or_default();
                            }
                            if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                                return v.map(|v| v.to_string()).unwrap_or_default();
                            }
                            if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
                                return v.map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default();
                            }
                            panic!("{table}.{}: a type this helper cannot read", column.name())
                        })
                        .collect()
                })
                .collect()
        }};
    }
    match pool {
        Pool::Sqlite(pool, _) => render!(pool),
        Pool::Postgres(pool) => render!(pool),
    }
}

/// The bytes of the SQLite database files of `dir` (empty on PostgreSQL, which keeps them
/// elsewhere): for checking that something was never written at all.
pub fn sqlite_files(dir: &TempDir) -> Vec<(String, Vec<u8>)> {
    ["console.db", "console.db-wal", "console.db-shm"]
        .into_iter()
        .filter_map(|file| std::fs::read(dir.path().join(file)).ok().map(|bytes| (file.to_owned(), bytes)))
        .collect()
}

/// Runs the `bento-console` binary on `db_url`, with `stdin` as its input (a password).
pub fn run_bento_console(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::{io::Write, process::Command, process::Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_bento-console"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}
