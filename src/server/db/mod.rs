//! The database: SQLite (the embedded default: one file, nothing to install) or PostgreSQL
//! (several replicas of the console behind a load balancer), chosen by the URL's scheme.
//!
//! Each resource's SQL is written once, in its `repo` module, and runs on both engines: the
//! statements use only what both understand (`$n` parameters, `returning`, `on conflict`,
//! `coalesce`), and [`run!`] runs a statement on whichever engine the pool holds, so the
//! code that builds it is compiled for each. Where the engines really differ (how a write
//! transaction starts, the sessions table) the difference is in this module.

mod sessions;

use std::{str::FromStr, sync::Arc, time::Duration};

use anyhow::Context;
use sqlx::{
    pool::PoolConnection,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
};

pub use sessions::SessionStore;

/// Which engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a database URL names: `sqlite:` or `postgres:`/`postgresql:`. Anything else
    /// is refused; a bare path would otherwise be taken as a SQLite file name.
    pub fn of_url(url: &str) -> Result<Self, String> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Engine::Sqlite),
            Some("postgres" | "postgresql") => Ok(Engine::Postgres),
            _ => Err(format!(
                "the database URL must start with sqlite:// (a file, the default) or postgres:// (a server), not {:?}",
                url.split_once("://").map_or(url, |(scheme, _)| scheme)
            )),
        }
    }
}

/// How to reach the database and how much of it to use.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
    /// PostgreSQL cancels a statement that runs longer (SQLite has no such limit; its writers
    /// wait at most the busy timeout for the write lock).
    pub statement_timeout: Duration,
}

impl Settings {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 8, statement_timeout: Duration::from_secs(30) }
    }
}

/// A pool of connections to one engine. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool, WriterTurns),
    Postgres(PgPool),
}

/// SQLite lets one writer in at a time, and the others retry on a back-off that has no order:
/// with four connections creating tokens, one waited 430 ms at p99 while the median took
/// 1.6 ms. This process's writers take turns here instead, first come first served, before
/// `BEGIN IMMEDIATE`; other processes (the command line) still meet the busy timeout.
#[derive(Debug, Clone)]
pub struct WriterTurns(Arc<tokio::sync::Semaphore>);

/// How long a write waits for its turn or for SQLite's lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl WriterTurns {
    fn new() -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(1)))
    }

    async fn take(&self) -> sqlx::Result<tokio::sync::OwnedSemaphorePermit> {
        match tokio::time::timeout(BUSY_TIMEOUT, self.0.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            // Timed out, or closed (never: nothing closes it).
            _ => Err(sqlx::Error::PoolTimedOut),
        }
    }
}

/// A transaction on either engine, from [`begin_write`]. On SQLite it holds the writers' turn
/// until it is committed or dropped (rolled back).
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, tokio::sync::OwnedSemaphorePermit),
    Postgres(Transaction<'static, Postgres>),
}

/// One connection taken from the pool, from [`Pool::acquire`], for a few reads in a row: each
/// statement on the pool takes a connection and gives it back, and sqlx checks a connection
/// with a round trip whenever one comes back.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// Where a statement runs: the pool, a connection held from it, or an open transaction.
/// Repository functions take `impl Into<Db>`, so callers pass `&pool`, `&mut conn` or `&mut tx`.
pub enum Db<'a> {
    Pool(&'a Pool),
    Conn(&'a mut Conn),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Pool> for Db<'a> {
    fn from(pool: &'a Pool) -> Self {
        Db::Pool(pool)
    }
}

impl<'a> From<&'a mut Conn> for Db<'a> {
    fn from(conn: &'a mut Conn) -> Self {
        Db::Conn(conn)
    }
}

impl<'a> From<&'a mut Tx> for Db<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Db::Tx(tx)
    }
}

/// Runs `$body` with `$e` bound to the executor of `$db` (anything `Into<Db>`): the statement
/// is written once and compiled for each engine.
macro_rules! run {
    ($db:expr, |$e:ident| $body:expr) => {
        match ::core::convert::Into::<$crate::server::db::Db<'_>>::into($db) {
            $crate::server::db::Db::Pool($crate::server::db::Pool::Sqlite($e, _)) => $body,
            $crate::server::db::Db::Pool($crate::server::db::Pool::Postgres($e)) => $body,
            $crate::server::db::Db::Conn($crate::server::db::Conn::Sqlite(conn)) => {
                let $e = &mut **conn;
                $body
            }
            $crate::server::db::Db::Conn($crate::server::db::Conn::Postgres(conn)) => {
                let $e = &mut **conn;
                $body
            }
            $crate::server::db::Db::Tx($crate::server::db::Tx::Sqlite(tx, _)) => {
                let $e = &mut **tx;
                $body
            }
            $crate::server::db::Db::Tx($crate::server::db::Tx::Postgres(tx)) => {
                let $e = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use run;

impl Pool {
    pub fn engine(&self) -> Engine {
        match self {
            Pool::Sqlite(..) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Holds one connection for the statements that follow (see [`Conn`]).
    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        Ok(match self {
            Pool::Sqlite(pool, _) => Conn::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Runs one statement without parameters (health checks, tests, maintenance); returns
    /// the rows it affected.
    pub async fn execute(&self, sql: &str) -> sqlx::Result<u64> {
        run!(self, |e| sqlx::query(sql).execute(e).await.map(|done| done.rows_affected()))
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool, _) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            // The turn passes on once the commit is done.
            Tx::Sqlite(tx, _turn) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), waiting out the busy timeout if another writer holds it. A plain
/// (deferred) transaction that reads first and writes later has to upgrade its read lock, and
/// SQLite refuses that upgrade at once with "database is locked" when another connection wrote
/// meanwhile, whatever the busy timeout: concurrent creates then failed with 500. PostgreSQL
/// locks rows as it writes them.
pub async fn begin_write(pool: &Pool) -> sqlx::Result<Tx> {
    Ok(match pool {
        Pool::Sqlite(pool, turns) => {
            let turn = turns.take().await?;
            Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
        }
        Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
    })
}

/// Opens the database and brings its schema up to date (`migrations/<engine>`).
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<Pool> {
    connect_and_migrate_with(&Settings::new(url)).await
}

pub async fn connect_and_migrate_with(settings: &Settings) -> anyhow::Result<Pool> {
    let pool = connect(settings).await?;
    match &pool {
        Pool::Sqlite(sqlite, _) => {
            let migrator = sqlx::migrate!("./migrations/sqlite");
            accept_amended_comments(sqlite, &migrator).await?;
            migrator.run(sqlite).await
        }
        Pool::Postgres(postgres) => sqlx::migrate!("./migrations/postgres").run(postgres).await,
    }
    .context("could not apply database migrations")?;
    Ok(pool)
}

async fn connect(settings: &Settings) -> anyhow::Result<Pool> {
    let url = &settings.url;
    let engine = Engine::of_url(url).map_err(anyhow::Error::msg)?;
    let opened = match engine {
        Engine::Sqlite => {
            let options = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("invalid database URL {url:?}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true);
            if let Some(dir) = options.get_filename().parent().filter(|dir| !dir.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("could not create the database directory {}", dir.display()))?;
            }
            SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                // A file does not drop the connection the way a server can, and the check
                // (a ping) is one more round trip to the connection's thread before every query.
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .map(|pool| Pool::Sqlite(pool, WriterTurns::new()))
        }
        Engine::Postgres => {
            let timeout = format!("{}ms", settings.statement_timeout.as_millis());
            let options = PgConnectOptions::from_str(url)
                .with_context(|| format!("invalid database URL {}", redacted(url)))?
                .application_name("bento-console")
                .options([("statement_timeout", timeout.as_str())]);
            PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map(Pool::Postgres)
        }
    };
    opened.with_context(|| format!("could not open the database {}", redacted(url)))
}

/// The URL without its password, for messages and logs.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.into()
        }
        _ => url.to_owned(),
    }
}

/// Migrations whose comments were corrected after release: (version, SHA-384 of the text as
/// released). sqlx refuses to start when an applied migration's text changed, so a database
/// that applied the old text has its recorded checksum moved to the new one. Only comments
/// may ever change this way; the statements are what the database already ran. (SQLite only:
/// the PostgreSQL migrations were released with the corrected text.)
const AMENDED_COMMENTS: [(i64, &str); 1] =
    [(3, "d45cb3caddca3863487148422fb0b8b73a7b942b17edd8aaebe347c897c8d72d1c5038f9ee860943300619c1a50b3e2d")];

async fn accept_amended_comments(pool: &SqlitePool, migrator: &sqlx::migrate::Migrator) -> anyhow::Result<()> {
    let applied: bool = sqlx::query_scalar(
        "select exists (select 1 from sqlite_master where type = 'table' and name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await?;
    if !applied {
        return Ok(());
    }
    for (version, released) in AMENDED_COMMENTS {
        let Some(current) = migrator.iter().find(|m| m.version == version) else { continue };
        let released = (0..released.len()).step_by(2).map(|i| u8::from_str_radix(&released[i..i + 2], 16));
        let released = released.collect::<Result<Vec<u8>, _>>().context("BUG: a released checksum is not hex")?;
        sqlx::query("update _sqlx_migrations set checksum = $1 where version = $2 and checksum = $3")
            .bind(&current.checksum[..])
            .bind(version)
            .bind(released)
            .execute(pool)
            .await
            .context("could not record an amended migration comment")?;
    }
    Ok(())
}

/// An insert's result with a unique-constraint violation turned into `None` ("already taken"),
/// so repositories report duplicates without string-matching database errors.
pub fn none_if_taken<T>(result: sqlx::Result<T>) -> sqlx::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(None),
        Err(err) => Err(err),
    }
}

/// Current time in Unix seconds, the unit every timestamp column uses.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_names_the_engine() {
        assert_eq!(Engine::of_url("sqlite://data/console.db"), Ok(Engine::Sqlite));
        assert_eq!(Engine::of_url("sqlite:console.db"), Ok(Engine::Sqlite));
        assert_eq!(Engine::of_url("postgres://u@db:5432/console"), Ok(Engine::Postgres));
        assert_eq!(Engine::of_url("PostgreSQL://u@db/console"), Ok(Engine::Postgres));
        for bad in ["mysql://u@db/console", "data/console.db", "console.db", ""] {
            assert!(Engine::of_url(bad).unwrap_err().contains("sqlite:// (a file"), "{bad}");
        }
    }

    #[test]
    fn passwords_are_not_repeated_in_messages() {
        assert_eq!(redacted("postgres://ada:s3cret@db/console"), "postgres://ada:***@db/console");
        assert_eq!(redacted("sqlite://data/console.db"), "sqlite://data/console.db");
    }
}
