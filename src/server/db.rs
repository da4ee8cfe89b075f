//! The database pool. SQLite runs in WAL mode with a busy timeout so readers never block the
//! writer and short write contention waits instead of failing.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

pub type Pool = SqlitePool;

pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<Pool> {
    let pool = connect(database_url).await?;
    let migrator = sqlx::migrate!("./migrations");
    accept_amended_comments(&pool, &migrator).await?;
    migrator.run(&pool).await.context("could not apply database migrations")?;
    Ok(pool)
}

/// Migrations whose comments were corrected after release: (version, SHA-384 of the text as
/// released). sqlx refuses to start when an applied migration's text changed, so a database
/// that applied the old text has its recorded checksum moved to the new one. Only comments
/// may ever change this way; the statements are what the database already ran.
const AMENDED_COMMENTS: [(i64, &str); 1] =
    [(3, "d45cb3caddca3863487148422fb0b8b73a7b942b17edd8aaebe347c897c8d72d1c5038f9ee860943300619c1a50b3e2d")];

async fn accept_amended_comments(pool: &Pool, migrator: &sqlx::migrate::Migrator) -> anyhow::Result<()> {
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

async fn connect(database_url: &str) -> anyhow::Result<Pool> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid database URL {database_url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(dir) = options.get_filename().parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create the database directory {}", dir.display()))?;
    }
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("could not open the database {database_url:?}"))
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), waiting out the busy timeout if another writer holds it. A plain
/// (deferred) transaction that reads first and writes later has to upgrade its read lock, and
/// SQLite refuses that upgrade at once with "database is locked" when another connection wrote
/// meanwhile, whatever the busy timeout: concurrent creates then failed with 500.
pub async fn begin_write(pool: &Pool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await
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
