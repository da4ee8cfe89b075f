//! SQL for CLI sign-ins. Nothing else in the crate writes this table.

use sqlx::FromRow;

use crate::domain::{TokenId, UserId};
use crate::server::db::{run, Db, Tx};

/// Where a sign-in stands. A pending or approved sign-in whose time is up is expired; that is
/// decided when it is read, not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum State {
    /// Waiting for a member to answer in the browser.
    Pending,
    /// A member created the token; the CLI has not collected it yet.
    Approved,
    Declined,
    /// The CLI has the token; the code is spent.
    Collected,
}

#[derive(Debug, Clone, FromRow)]
pub struct LoginRow {
    pub requested_at: i64,
    pub requested_from: String,
    pub expires_at: i64,
    pub state: State,
    pub answered_by_name: Option<String>,
    pub answered_at: Option<i64>,
    pub token_id: Option<TokenId>,
    pub sealed_secret: Option<Vec<u8>>,
}

pub async fn insert(
    db: impl Into<Db<'_>>,
    digest: &[u8; 32],
    requested_from: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query(
        "insert into cli_logins (digest, requested_at, requested_from, expires_at) values ($1, $2, $3, $4)"
    )
    .bind(&digest[..])
    .bind(now)
    .bind(requested_from)
    .bind(expires_at)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Forgets sign-ins that expired before `before`.
pub async fn purge(db: impl Into<Db<'_>>, before: i64) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query("delete from cli_logins where expires_at < $1")
        .bind(before)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn find(db: impl Into<Db<'_>>, digest: &[u8; 32]) -> sqlx::Result<Option<LoginRow>> {
    run!(db, |e| sqlx::query_as(
        "select l.requested_at, l.requested_from, l.expires_at, l.state, u.name as answered_by_name, l.answered_at,
                l.token_id, l.sealed_secret
         from cli_logins l left join users u on u.id = l.answered_by
         where l.digest = $1"
    )
    .bind(&digest[..])
    .fetch_optional(e)
    .await)
}

/// Moves a pending, unexpired sign-in to `to` (approved or declined); `false` when it was not
/// pending or its time is up. The `where` makes concurrent answers harmless: one wins.
pub async fn answer(
    db: impl Into<Db<'_>>,
    digest: &[u8; 32],
    to: State,
    user_id: Option<UserId>,
    now: i64,
) -> sqlx::Result<bool> {
    let changed = run!(db, |e| sqlx::query(
        "update cli_logins set state = $2, answered_by = $3, answered_at = $4
         where digest = $1 and state = 'pending' and expires_at > $4"
    )
    .bind(&digest[..])
    .bind(to)
    .bind(user_id)
    .bind(now)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}

/// Binds the token made for an approved sign-in, and its sealed secret.
pub async fn bind_token(db: &mut Tx, digest: &[u8; 32], token_id: TokenId, sealed: &[u8]) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query("update cli_logins set token_id = $2, sealed_secret = $3 where digest = $1")
        .bind(&digest[..])
        .bind(token_id)
        .bind(sealed)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Marks an approved, unexpired sign-in collected and erases its sealed secret; `false` when
/// another poll collected it first (or its time is up).
pub async fn collect(db: impl Into<Db<'_>>, digest: &[u8; 32], now: i64) -> sqlx::Result<bool> {
    let changed = run!(db, |e| sqlx::query(
        "update cli_logins set state = 'collected', sealed_secret = null
         where digest = $1 and state = 'approved' and expires_at > $2"
    )
    .bind(&digest[..])
    .bind(now)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}
