//! Server-only code: configuration, the database, authentication and the HTTP application.

pub mod accounts;
pub mod activity;
pub mod assets;
pub mod auth;
pub mod caches;
pub mod cli;
pub mod cli_login;
pub mod compression;
pub mod config;
pub mod db;
pub mod deployments;
pub mod error;
pub mod form_flash;
pub mod gateway;
mod guard;
pub mod headers;
pub mod listen;
pub mod members;
pub mod rest;
pub mod setup;
pub mod telemetry;
pub mod tls;
pub mod tokens;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use crate::app::{shell, App};
use config::Config;

/// Shared by every request; cheap to clone.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: db::Pool,
    pub settings: Arc<Settings>,
    pub caches: caches::Caches,
    pub gateway: Arc<gateway::Gateway>,
}

/// Values derived from the configuration once the listener is bound.
#[derive(Debug)]
pub struct Settings {
    pub public_url: url::Url,
    /// `scheme://host[:port]` of the public URL, compared with the `Origin` header.
    pub public_origin: String,
    pub apps_domain: String,
    /// Encrypts what must travel through the browser (the no-JavaScript reveal); the same on
    /// every replica when `--secret-key` is set. Its `Debug` shows no key material.
    pub secret_key: cookie::Key,
}

impl Settings {
    pub fn new(config: &Config, bound: SocketAddr) -> Self {
        let public_url = config.public_url_for(bound);
        Self {
            public_origin: config::origin_of(&public_url),
            public_url,
            apps_domain: config.apps_domain.clone(),
            secret_key: config.secret_key.as_ref().map_or_else(cookie::Key::generate, |key| key.key()),
        }
    }

    /// Whether people reach the console over https (cookies are then `Secure`, HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The public URL as people type it (no trailing slash), e.g. for `--endpoint`.
    pub fn public_url_text(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_owned()
    }

    /// `<scheme>://<deployment>.<organization>.<apps domain>[:port]`: deployments are served on
    /// the console's own listener, so scheme and port are the public URL's.
    pub fn external_url(&self, deployment: &str, organization_slug: &str) -> String {
        let scheme = self.public_url.scheme();
        let port = self.public_url.port().map(|port| format!(":{port}")).unwrap_or_default();
        format!("{scheme}://{deployment}.{organization_slug}.{}{port}", self.apps_domain)
    }
}

pub const SESSION_COOKIE: &str = "bento_console_session";

/// The `name=value` pairs of a request's `Cookie` headers.
pub fn request_cookies(headers: &axum::http::HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

pub struct Application {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    internal_listener: Option<TcpListener>,
    router: Router,
    state: AppState,
    limits: listen::Limits,
    trusted: listen::TrustedProxies,
    /// The first-run setup link this process printed, while no user exists.
    setup_url: Option<String>,
    /// Tasks that run as long as the server: expired-session and old-event cleanup, the
    /// upstreams' health probe, and on PostgreSQL the listener for other replicas' changes.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Opens (and migrates) the database, binds the listener and assembles the routes.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        config.check().map_err(|problem| anyhow::anyhow!("invalid configuration: {problem}"))?;
        // Bad certificates fail the start before anything is opened.
        let tls = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => Some(TlsAcceptor::from(Arc::new(tls::server_config(cert, key)?))),
            _ => None,
        };
        let upstream_tls = tls::upstream_client_config(config.upstream_ca.as_deref())?;
        match listen::raise_open_file_limit() {
            Ok(limit) => tracing::info!(limit, "open-file limit"),
            Err(err) => tracing::warn!(error = %err, "could not raise the open-file limit"),
        }
        let pool = db::connect_and_migrate_with(&config.database()).await?;
        let listener = bind(config.addr).await?;
        let internal_listener = match config.internal_addr {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let bound = listener.local_addr()?;
        let caches = caches::Caches::new(pool.engine());
        if pool.engine() == db::Engine::Postgres && config.secret_key.is_none() {
            tracing::warn!(
                "no --secret-key: this replica encrypts with a key of its own, so a token created without \
                 JavaScript is shown only if the page after it is served by the same replica; give every \
                 replica the same BENTO_CONSOLE_SECRET_KEY"
            );
        }
        let settings = Arc::new(Settings::new(&config, bound));
        let setup_url = match accounts::repo::any_user_exists(&pool).await? {
            true => None,
            false => setup::url(&settings.public_url, &setup::issue(&pool).await?),
        };

        // With the build's hash file, pages name the bundle's hashed files (see `assets`).
        let leptos_options = LeptosOptions::builder()
            .output_name(assets::bundle_name(&config.site_root))
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir(assets::PKG_DIR)
            .site_addr(bound)
            .build();
        let state = AppState {
            leptos_options,
            pool: pool.clone(),
            settings,
            caches: caches.clone(),
            gateway: Arc::new(gateway::Gateway::new(
                gateway::Timeouts {
                    connect: Duration::from_secs(config.upstream_connect_timeout),
                    response: Duration::from_secs(config.upstream_timeout),
                    body_idle: Duration::from_secs(config.body_idle_timeout),
                },
                upstream_tls,
            )),
        };

        let store = db::SessionStore::new(&pool);
        let mut background = vec![tokio::spawn(async move {
            use tower_sessions::session_store::ExpiredDeletion;
            if let Err(err) = store.continuously_delete_expired(std::time::Duration::from_secs(600)).await {
                tracing::error!(error = %err, "expired-session cleanup stopped");
            }
        })];
        background.push(tokio::spawn(activity::expire_continuously(pool.clone(), config.activity_retention_days)));
        background.push(tokio::spawn(gateway::health::probe_continuously(
            pool.clone(),
            state.gateway.clone(),
            Duration::from_secs(config.health_check_interval),
        )));
        if let db::Pool::Postgres(pool) = &pool {
            background.push(tokio::spawn(caches::listen(pool.clone(), caches, config.listen_retry)));
        }
        let router = router(state.clone(), &config);
        let limits = listen::Limits {
            first_byte: Duration::from_secs(config.first_byte_timeout),
            idle: Duration::from_secs(config.idle_timeout),
            per_address: config.max_connections_per_address,
            shutdown: Duration::from_secs(config.shutdown_timeout),
        };
        let trusted = listen::TrustedProxies::new(&config.trusted_proxies);
        Ok(Self { listener, tls, internal_listener, router, state, limits, trusted, background, setup_url })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|addr| addr.port()).unwrap_or_default()
    }

    /// The internal listener's port, when there is one.
    pub fn internal_port(&self) -> Option<u16> {
        self.internal_listener.as_ref()?.local_addr().ok().map(|addr| addr.port())
    }

    /// The in-memory caches, e.g. to watch their size from a test.
    pub fn caches(&self) -> &caches::Caches {
        &self.state.caches
    }

    /// The one-time first-run setup URL, while no user exists.
    pub fn setup_url(&self) -> Option<String> {
        self.setup_url.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests and exits.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!(%addr, public_url = %self.state.settings.public_url, "bento-console listening");
        if let Some(url) = self.setup_url() {
            tracing::info!("no user exists yet: open {url} to set up the console (the link works once)");
        }
        let (stop, stopped) = tokio::sync::watch::channel(());
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(());
        });
        let entrance = |reach, scheme| {
            let (state, console, trusted) = (self.state.clone(), self.router.clone(), self.trusted.clone());
            Arc::new(listen::Entrance { state, console, reach, scheme, trusted })
        };
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let public = entrance(listen::Reach::Public, scheme);
        let public = listen::serve_on_each_core(self.listener, self.tls, public, self.limits, stopped.clone());
        match self.internal_listener {
            Some(internal) => {
                tracing::info!(addr = %internal.local_addr()?, "internal gateway listening (every deployment, no token)");
                let entrance = entrance(listen::Reach::Internal, "http");
                let internal = listen::serve_on_each_core(internal, None, entrance, self.limits, stopped);
                let (public, internal) = tokio::join!(public, internal);
                public.and(internal)?;
            }
            None => public.await?,
        }
        for task in &self.background {
            task.abort();
        }
        if tokio::time::timeout(std::time::Duration::from_secs(10), self.state.pool.close()).await.is_err() {
            tracing::warn!("database connections still in use after 10 s; exiting without waiting for them");
        }
        tracing::info!("bento-console stopped");
        Ok(())
    }
}

/// The app's routes, generated once per process. Generating them runs the app with resource
/// loading suppressed process-wide (leptos_server's `SuppressResourceLoad`), and a resource
/// first polled meanwhile by a page render elsewhere in the process never resolves
/// (leptos-rs/leptos#4773). A server builds its router once, but tests build many
/// applications concurrently, and they hung now and then.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState, config: &Config) -> Router {
    let routes = route_list();
    let session_layer = SessionManagerLayer::new(db::SessionStore::new(&state.pool))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(config.session_idle().as_secs() as i64)));

    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", rest::router())
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .nest_service("/pkg", assets::service(&config.site_root))
        .fallback({
            let files_and_errors = leptos_axum::file_and_error_handler::<AppState, _>(shell);
            move |uri, state, request| {
                let answer = files_and_errors(uri, state, request);
                async move { assets::cache_site_file(answer.await) }
            }
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(compression::layer())
        .layer(axum::middleware::from_fn(compression::uncompressed_with_one_time_cookies))
        .with_state(state)
}

/// Liveness and readiness: the database answers.
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match state.pool.execute("select 1").await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "database unavailable" })))
        }
    }
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| format!("could not listen on {addr}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
