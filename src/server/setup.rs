//! First-run setup: while no user exists, a random one-time code printed to the log opens
//! `/setup?code=…`, where the installer creates the organization and the first admin.
//!
//! Only the code's digest is stored, in the database, so a link printed by any replica works
//! on any replica; the transaction that creates the first admin consumes every code.

use rand::{distributions::Alphanumeric, Rng};
use sha2::{Digest, Sha256};

use super::db::{self, run, Db, Tx};

pub const SETUP_REFUSED: &str = "This setup link is invalid or has already been used. Sign in instead.";

/// A fresh code (190 bits from the OS generator), stored as its digest; the code itself is
/// returned once, to be printed.
pub async fn issue(pool: &db::Pool) -> sqlx::Result<String> {
    let code: String = rand::rngs::OsRng.sample_iter(&Alphanumeric).take(32).map(char::from).collect();
    run!(pool, |e| sqlx::query("insert into setup_codes (digest, created_at) values ($1, $2)")
        .bind(&digest(&code)[..])
        .bind(db::now())
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(code)
}

/// The setup URL for `code`.
pub fn url(public_url: &url::Url, code: &str) -> Option<String> {
    let mut url = public_url.join("setup").ok()?;
    url.query_pairs_mut().append_pair("code", code);
    Some(url.into())
}

/// Whether `candidate` is a code that has not been used. (A lookup by digest: the digest of a
/// wrong guess tells nothing about the right one, so no constant-time comparison is needed.)
pub async fn is_valid(db: impl Into<Db<'_>>, candidate: &str) -> sqlx::Result<bool> {
    run!(db, |e| sqlx::query_scalar("select exists (select 1 from setup_codes where digest = $1)")
        .bind(&digest(candidate)[..])
        .fetch_one(e)
        .await)
}

/// Inside the transaction that creates the first admin: consumes `candidate` and every other
/// code; `false` when `candidate` is not a valid code. Deleting its own row first locks it, so
/// a concurrent use of the same code waits and then finds nothing.
pub async fn consume(tx: &mut Tx, candidate: &str) -> sqlx::Result<bool> {
    let deleted = run!(&mut *tx, |e| sqlx::query("delete from setup_codes where digest = $1")
        .bind(&digest(candidate)[..])
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    if deleted == 0 {
        return Ok(false);
    }
    close(tx).await?;
    Ok(true)
}

/// Deletes every code (a user was created another way, e.g. on the command line).
pub async fn close(tx: &mut Tx) -> sqlx::Result<()> {
    run!(&mut *tx, |e| sqlx::query("delete from setup_codes").execute(e).await.map(|done| done.rows_affected()))?;
    Ok(())
}

fn digest(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}
