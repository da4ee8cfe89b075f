//! Configuration: flags with environment-variable fallbacks, documented by `--help`.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;
use url::Url;

use super::listen::Network;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address the console listens on.
    #[arg(long, env = "BENTO_CONSOLE_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,

    /// Database URL: `sqlite://<file>` (the default; the file and its directory are created on
    /// first start) or `postgres://user:password@host:port/database` (for several replicas).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/console.db", value_parser = parse_database_url, global = true)]
    pub database_url: String,

    /// Connections in the database pool.
    #[arg(long, env = "BENTO_CONSOLE_DATABASE_MAX_CONNECTIONS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub database_max_connections: u32,

    /// Seconds after which PostgreSQL cancels a statement (SQLite has no such limit).
    #[arg(long, env = "BENTO_CONSOLE_DATABASE_STATEMENT_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub database_statement_timeout: u64,

    /// The URL people use to reach the console (default: http://<listen address>). Used in
    /// links, in the Origin check against cross-site requests, and in the CLI login command;
    /// with https, session cookies are marked Secure.
    #[arg(long, env = "BENTO_CONSOLE_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<Url>,

    /// Directory holding the built site (the WebAssembly bundle, CSS and public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: PathBuf,

    /// Domain under which deployments get their external URLs:
    /// `<deployment>.<organization>.<apps domain>`. The default resolves to this machine
    /// without any DNS set-up.
    #[arg(long, env = "BENTO_CONSOLE_APPS_DOMAIN", default_value = "apps.localhost", value_parser = parse_apps_domain, global = true)]
    pub apps_domain: String,

    /// Seconds the gateway waits to connect to a deployment's upstream before answering 502.
    #[arg(long, env = "BENTO_CONSOLE_UPSTREAM_CONNECT_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub upstream_connect_timeout: u64,

    /// Seconds the gateway waits for an upstream's response headers before answering 504
    /// (a streamed body may then take as long as it needs).
    #[arg(long, env = "BENTO_CONSOLE_UPSTREAM_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub upstream_timeout: u64,

    /// Seconds the gateway waits for the next chunk of a body, the upstream's response body or
    /// the client's request body, before ending it with an error.
    #[arg(long, env = "BENTO_CONSOLE_BODY_IDLE_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub body_idle_timeout: u64,

    /// PEM certificate chain (leaf first) for serving HTTPS, HTTP/2 and gRPC over TLS on the
    /// listen address. Needs --tls-key.
    #[arg(long, env = "BENTO_CONSOLE_TLS_CERT", requires = "tls_key", global = true)]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "BENTO_CONSOLE_TLS_KEY", requires = "tls_cert", global = true)]
    pub tls_key: Option<PathBuf>,

    /// Optional second, plain-HTTP address for callers inside the trust boundary: it serves
    /// every deployment, Private ones included, without a token, and nothing else. Bind it to
    /// an address only those callers can reach.
    #[arg(long, env = "BENTO_CONSOLE_INTERNAL_ADDR", global = true)]
    pub internal_addr: Option<SocketAddr>,

    /// PEM bundle of extra CA certificates the gateway trusts for `https` upstreams, on top of
    /// the system's.
    #[arg(long, env = "BENTO_CONSOLE_UPSTREAM_CA", global = true)]
    pub upstream_ca: Option<PathBuf>,

    /// Seconds a new connection may take to send the first byte of its first request (the TLS
    /// handshake included) before it is closed. Silent connections must not hold a file
    /// descriptor for long.
    #[arg(long, env = "BENTO_CONSOLE_FIRST_BYTE_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub first_byte_timeout: u64,

    /// Seconds a connection may stay open without starting a request before it is closed
    /// (HTTP/2: GOAWAY; requests in flight finish). HTTP/1.1 connections also wait at most 30
    /// seconds for the next request's headers.
    #[arg(long, env = "BENTO_CONSOLE_IDLE_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub idle_timeout: u64,

    /// Open connections allowed per client address (IPv6: per /64); more are closed at once.
    /// Trusted proxies (--trusted-proxy) are exempt.
    #[arg(long, env = "BENTO_CONSOLE_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub max_connections_per_address: u32,

    /// Seconds a shutdown (SIGTERM, SIGINT) waits for requests in flight before it closes the
    /// connections still open and exits.
    #[arg(long, env = "BENTO_CONSOLE_SHUTDOWN_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub shutdown_timeout: u64,

    /// Proxies in front of the console, as addresses or networks (comma-separated, or the
    /// flag repeated): their X-Forwarded-For names the client (for logs, throttling and the
    /// upstream's X-Forwarded-For) and their X-Request-Id names the request. No connection cap
    /// applies to them. Nobody else's forwarding headers are believed.
    #[arg(long = "trusted-proxy", env = "BENTO_CONSOLE_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<Network>,

    /// Key material (at least 32 characters, e.g. `openssl rand -base64 48`) for what the console
    /// encrypts into the browser: the token reveal of a form posted without JavaScript. Give every
    /// replica the same key; without one, each process makes its own at start.
    #[arg(long, env = "BENTO_CONSOLE_SECRET_KEY", value_parser = parse_secret_key, hide_env_values = true, global = true)]
    pub secret_key: Option<SecretKey>,

    /// Minutes of inactivity after which a session expires.
    #[arg(long, env = "BENTO_CONSOLE_SESSION_IDLE_MINUTES", default_value_t = 720, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub session_idle_minutes: u32,

    /// Seconds between probes of every deployment's upstream (`GET /healthz`), whose results
    /// the Deployments page shows.
    #[arg(long, env = "BENTO_CONSOLE_HEALTH_CHECK_INTERVAL", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub health_check_interval: u64,

    /// Days the activity log keeps an event; older ones are deleted (checked hourly).
    #[arg(long, env = "BENTO_CONSOLE_ACTIVITY_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=36500), global = true)]
    pub activity_retention_days: u32,

    /// How long a replica waits before listening again for other replicas' changes after it
    /// lost the connection (PostgreSQL; doubled after each failed attempt, up to 5 s). Not a
    /// flag: tests lengthen it to watch a replica read through to the database meanwhile.
    #[arg(skip = LISTEN_RETRY)]
    pub listen_retry: Duration,
}

/// The default [`Config::listen_retry`].
pub const LISTEN_RETRY: Duration = Duration::from_millis(100);

impl Config {
    /// The defaults, listening on a free local port: for tests and benchmarks.
    pub fn local(database_url: String) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            database_max_connections: 8,
            database_statement_timeout: 30,
            secret_key: None,
            public_url: None,
            site_root: PathBuf::from("target/site"),
            apps_domain: "apps.localhost".into(),
            upstream_connect_timeout: 5,
            upstream_timeout: 60,
            tls_cert: None,
            tls_key: None,
            internal_addr: None,
            upstream_ca: None,
            session_idle_minutes: 720,
            activity_retention_days: 90,
            health_check_interval: 30,
            first_byte_timeout: 10,
            idle_timeout: 60,
            max_connections_per_address: 256,
            body_idle_timeout: 60,
            shutdown_timeout: 30,
            trusted_proxies: Vec::new(),
            listen_retry: LISTEN_RETRY,
        }
    }

    /// The public URL, defaulting to `http(s)://<addr>` where `addr` is the address actually
    /// bound (which differs from `self.addr` when listening on port 0).
    pub fn public_url_for(&self, bound: SocketAddr) -> Url {
        self.public_url.clone().unwrap_or_else(|| {
            let scheme = if self.serves_tls() { "https" } else { "http" };
            Url::parse(&format!("{scheme}://{bound}")).expect("BUG: a socket address always forms a valid URL")
        })
    }

    pub fn database(&self) -> crate::server::db::Settings {
        crate::server::db::Settings {
            url: self.database_url.clone(),
            max_connections: self.database_max_connections,
            statement_timeout: Duration::from_secs(self.database_statement_timeout),
        }
    }

    /// Refuses settings that cannot work together, before anything is opened.
    pub fn check(&self) -> Result<(), String> {
        if let Some(host) = self.public_url.as_ref().and_then(Url::host_str) {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            if host.ends_with(&format!(".{}", self.apps_domain)) {
                return Err(format!(
                    "the public URL's host {host} is under the apps domain {}, where every host names a \
                     deployment, so the console would be unreachable: choose an apps domain that does not \
                     contain it (e.g. --apps-domain apps.{host})",
                    self.apps_domain
                ));
            }
        }
        Ok(())
    }

    pub fn serves_tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_idle_minutes) * 60)
    }
}

/// Key material from the configuration. `Debug` shows no part of it.
#[derive(Clone)]
pub struct SecretKey(String);

impl SecretKey {
    /// The encryption key derived from the material (HKDF).
    pub fn key(&self) -> cookie::Key {
        cookie::Key::derive_from(self.0.as_bytes())
    }
}

/// Key material as `--secret-key` takes it (at least 32 characters), e.g. for tests that run
/// several replicas in one process.
impl std::str::FromStr for SecretKey {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        parse_secret_key(raw)
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

fn parse_secret_key(raw: &str) -> Result<SecretKey, String> {
    if raw.trim().chars().count() < 32 {
        return Err("the secret key must be at least 32 characters (e.g. `openssl rand -base64 48`)".into());
    }
    Ok(SecretKey(raw.trim().to_owned()))
}

fn parse_database_url(raw: &str) -> Result<String, String> {
    crate::server::db::Engine::of_url(raw.trim())?;
    Ok(raw.trim().to_owned())
}

/// Accepts only an `http(s)` origin, optionally with a path; a trailing slash is dropped so
/// links can be joined with `/...`.
fn parse_public_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|err| format!("not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme must be http or https, not {:?}", url.scheme()));
    }
    if url.host().is_none() {
        return Err("the URL needs a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the URL must not have a query or fragment".into());
    }
    Ok(url)
}

/// Lower-cased DNS labels separated by dots, e.g. `apps.example.com`.
fn parse_apps_domain(raw: &str) -> Result<String, String> {
    let domain = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if domain.is_empty() || !domain.split('.').all(label_ok) {
        return Err("expected a domain name like apps.example.com".into());
    }
    Ok(domain)
}

/// The `scheme://host[:port]` form browsers put in the `Origin` header.
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct TestCli {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        TestCli::try_parse_from(std::iter::once("bento-console").chain(args.iter().copied())).map(|cli| cli.config)
    }

    #[test]
    fn defaults_match_the_readme() {
        use clap::{CommandFactory, FromArgMatches};
        // No flags, and the environment variables ignored (make exports DATABASE_URL, a
        // developer may have others set): what a fresh install gets.
        let matches =
            TestCli::command().mut_args(|arg| arg.env(None::<&str>)).try_get_matches_from(["bento-console"]).unwrap();
        let config = TestCli::from_arg_matches(&matches).unwrap().config;
        assert_eq!(config.addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.database_url, "sqlite://data/console.db");
        assert_eq!((config.database_max_connections, config.database_statement_timeout), (8, 30));
        assert_eq!(config.public_url_for(config.addr).as_str(), "http://127.0.0.1:3000/");
        assert_eq!(config.site_root, PathBuf::from("target/site"));
        assert_eq!(config.apps_domain, "apps.localhost");
        assert_eq!((config.upstream_connect_timeout, config.upstream_timeout), (5, 60));
        assert_eq!(config.session_idle_minutes, 720);
        assert!(config.tls_cert.is_none() && config.internal_addr.is_none() && config.upstream_ca.is_none());
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn the_database_url_names_an_engine() {
        assert!(parse(&["--database-url", "postgres://ada@db:5432/console"]).is_ok());
        let refused = parse(&["--database-url", "mysql://ada@db/console"]).unwrap_err().to_string();
        assert!(refused.contains("must start with sqlite:// (a file, the default) or postgres://"), "{refused}");
        assert!(parse(&["--database-url", "data/console.db"]).is_err(), "a bare path is not a URL");
    }

    #[test]
    fn the_console_host_must_not_be_under_the_apps_domain() {
        let config = parse(&["--public-url", "http://console.example.com", "--apps-domain", "example.com"]).unwrap();
        assert!(config.check().unwrap_err().contains("under the apps domain example.com"));
        for fine in [["http://console.example.com", "apps.example.com"], ["http://example.com", "example.com"]] {
            let config = parse(&["--public-url", fine[0], "--apps-domain", fine[1]]).unwrap();
            assert_eq!(config.check(), Ok(()), "{fine:?}");
        }
    }

    #[test]
    fn connection_limits_have_defaults_and_refuse_zero() {
        let config = parse(&[]).unwrap();
        let defaults = Config::local(String::new());
        if std::env::var_os("BENTO_CONSOLE_FIRST_BYTE_TIMEOUT").is_none() {
            assert_eq!(config.first_byte_timeout, defaults.first_byte_timeout);
        }
        for flag in [
            "--first-byte-timeout",
            "--idle-timeout",
            "--max-connections-per-address",
            "--body-idle-timeout",
            "--shutdown-timeout",
        ] {
            assert!(parse(&[flag, "0"]).is_err(), "{flag}");
        }
        assert_eq!(parse(&["--max-connections-per-address", "8"]).unwrap().max_connections_per_address, 8);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let config = parse(&["--trusted-proxy", "10.0.0.0/8,192.0.2.7", "--trusted-proxy", "fd00::/8"]).unwrap();
        let listed: Vec<String> = config.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(listed, ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]);
        assert!(parse(&["--trusted-proxy", "proxy.example"]).is_err());
    }

    #[test]
    fn public_url_must_be_http_or_https() {
        let config = parse(&["--public-url", "https://console.example.com"]).unwrap();
        assert_eq!(origin_of(&config.public_url.unwrap()), "https://console.example.com");
        for bad in ["ftp://console.example.com", "console.example.com", "https://x.example/?a=1", "http://"] {
            assert!(parse(&["--public-url", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_bad_addresses_and_idle_times() {
        assert!(parse(&["--addr", "localhost"]).is_err());
        assert!(parse(&["--session-idle-minutes", "0"]).is_err());
        assert_eq!(parse(&["--session-idle-minutes", "5"]).unwrap().session_idle(), Duration::from_secs(300));
    }

    #[test]
    fn tls_needs_both_files_and_makes_the_default_url_https() {
        assert!(parse(&["--tls-cert", "cert.pem"]).is_err());
        assert!(parse(&["--tls-key", "key.pem"]).is_err());
        let config = parse(&["--addr", "127.0.0.1:8443", "--tls-cert", "cert.pem", "--tls-key", "key.pem"]).unwrap();
        assert_eq!(config.public_url_for(config.addr).as_str(), "https://127.0.0.1:8443/");
    }

    #[test]
    fn apps_domain_is_a_domain_name() {
        assert_eq!(parse(&["--apps-domain", "Apps.Example.COM."]).unwrap().apps_domain, "apps.example.com");
        for bad in ["", "a..b", "-a.b", "a_b.c", "a b"] {
            assert!(parse(&["--apps-domain", bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn origin_omits_default_ports_and_paths() {
        let url = Url::parse("http://127.0.0.1:3000/console/").unwrap();
        assert_eq!(origin_of(&url), "http://127.0.0.1:3000");
        assert_eq!(origin_of(&Url::parse("https://c.example:443/").unwrap()), "https://c.example");
    }
}
