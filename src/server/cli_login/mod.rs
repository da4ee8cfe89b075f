//! `bentoml cloud login` through the browser ("Create a new API token with a web browser").
//!
//! 1. The CLI asks for a code ([`issue`]; no credentials, so limited per client address).
//! 2. It opens `/api_tokens?code=…`, where a signed-in member sees when and from where the
//!    code was asked for, and either creates a Developer token for it ([`approve`]) or
//!    declines ([`decline`]).
//! 3. Meanwhile the CLI polls once a second ([`collect`]); the first poll after approval gets
//!    the token's secret, once.
//!
//! A code works for ten minutes and once. Only its digest is stored; the new token's secret
//! waits for the CLI sealed with a key derived from the code (see [`code`]) and is erased when
//! collected, so the database never holds a usable secret on its own.

pub mod code;
pub mod repo;

use std::net::IpAddr;
use std::time::Duration;

pub use code::LoginCode;
pub use repo::State;

use super::{
    accounts::Actor,
    auth::throttle::{self, Policy, Reservation},
    db,
    error::{ServiceError, ServiceResult},
    tokens::{self, secret::TokenSecret, NewToken, Token},
};

/// How long a code works.
pub const LIFETIME: i64 = 10 * 60;
/// Spent and expired sign-ins are kept this long after they expire, so a late poll or a
/// reopened link hears "expired" or "used" rather than "unknown".
const KEPT_AFTER_EXPIRY: i64 = 24 * 60 * 60;
/// Codes one address may ask for: a person retrying, not a flood of rows.
pub const ISSUE_LIMIT: Policy =
    Policy { max_attempts: 10, window: Duration::from_secs(10 * 60), lock: Duration::from_secs(60) };
/// Polls one address may make: the CLI polls once a second; this leaves room for two at once.
pub const POLL_LIMIT: Policy =
    Policy { max_attempts: 120, window: Duration::from_secs(60), lock: Duration::from_secs(10) };

pub const UNKNOWN: &str = "This sign-in link is not valid. Run `bentoml cloud login` again.";
pub const EXPIRED: &str = "This sign-in link has expired (links work for 10 minutes). Run `bentoml cloud login` again.";
pub const ANSWERED: &str = "This sign-in request has already been answered.";

/// A sign-in as the confirmation page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub requested_at: i64,
    pub requested_from: String,
    pub expires_at: i64,
    pub status: Status,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
}

/// Where a sign-in stands, with expiry applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    /// Approved, the CLI has not collected the token yet.
    Approved,
    Declined,
    Collected,
    Expired,
}

fn status(row: &repo::LoginRow, now: i64) -> Status {
    match row.state {
        State::Pending | State::Approved if row.expires_at <= now => Status::Expired,
        State::Pending => Status::Pending,
        State::Approved => Status::Approved,
        State::Declined => Status::Declined,
        State::Collected => Status::Collected,
    }
}

/// A new code for the CLI at `client`, unless that address asked for too many lately
/// (`RateLimited`).
pub async fn issue(pool: &db::Pool, client: IpAddr) -> ServiceResult<LoginCode> {
    let now = db::now();
    limit(pool, "cli-login-code", client, ISSUE_LIMIT, now).await?;
    repo::purge(pool, now - KEPT_AFTER_EXPIRY).await?;
    let code = LoginCode::generate();
    repo::insert(pool, &code.digest(), &client.to_string(), now, now + LIFETIME).await?;
    tracing::info!(%client, "CLI sign-in code issued");
    Ok(code)
}

async fn limit(pool: &db::Pool, what: &str, client: IpAddr, policy: Policy, now: i64) -> ServiceResult<()> {
    let key = format!("{what}:{}", throttle::address_key(client));
    match throttle::reserve(pool, &key, policy, now).await? {
        Reservation::Granted => Ok(()),
        Reservation::Locked(seconds) => Err(ServiceError::RateLimited(seconds.max(1))),
    }
}

/// The sign-in `code` names, for the confirmation page; `None` when there is none.
pub async fn find(pool: &db::Pool, code: &str) -> ServiceResult<Option<Login>> {
    let Some(code) = LoginCode::parse(code) else { return Ok(None) };
    let Some(row) = repo::find(pool, &code.digest()).await? else { return Ok(None) };
    Ok(Some(Login {
        status: status(&row, db::now()),
        requested_at: row.requested_at,
        requested_from: row.requested_from,
        expires_at: row.expires_at,
        answered_by: row.answered_by_name,
        answered_at: row.answered_at,
    }))
}

/// Creates the Developer token `new` for the sign-in `code` and binds it to the code, in one
/// transaction: either the code is answered and the token exists, or neither.
pub async fn approve(pool: &db::Pool, actor: &Actor, code: &str, new: NewToken) -> ServiceResult<Token> {
    if !new.types.is_developer() {
        return Err(ServiceError::Forbidden("The BentoML CLI needs a Developer token.".into()));
    }
    let code = LoginCode::parse(code).ok_or(ServiceError::NotFound(UNKNOWN))?;
    let digest = code.digest();
    let mut tx = db::begin_write(pool).await?;
    if !repo::answer(&mut tx, &digest, State::Approved, actor.user_id, db::now()).await? {
        drop(tx);
        return Err(why_not_pending(pool, &digest).await);
    }
    let (id, secret) = tokens::insert(&mut tx, actor, &new).await?;
    repo::bind_token(&mut tx, &digest, id, &code.seal(&secret)?).await?;
    tx.commit().await?;
    tracing::info!(token_id = %id, prefix = secret.display_prefix(), "API token created for a CLI sign-in");
    tokens::find(pool, actor, id).await
}

/// Declines the sign-in `code`: the CLI gets no token, and the code is spent.
pub async fn decline(pool: &db::Pool, actor: &Actor, code: &str) -> ServiceResult<()> {
    let code = LoginCode::parse(code).ok_or(ServiceError::NotFound(UNKNOWN))?;
    let digest = code.digest();
    if !repo::answer(pool, &digest, State::Declined, actor.user_id, db::now()).await? {
        return Err(why_not_pending(pool, &digest).await);
    }
    tracing::info!("CLI sign-in declined");
    Ok(())
}

/// Why a sign-in could not be answered.
async fn why_not_pending(pool: &db::Pool, digest: &[u8; 32]) -> ServiceError {
    match repo::find(pool, digest).await {
        Ok(None) => ServiceError::NotFound(UNKNOWN),
        Ok(Some(row)) if status(&row, db::now()) == Status::Expired => ServiceError::Forbidden(EXPIRED.into()),
        Ok(Some(_)) => ServiceError::Forbidden(ANSWERED.into()),
        Err(err) => err.into(),
    }
}

/// Why a poll got no token.
#[derive(Debug, thiserror::Error)]
pub enum NoToken {
    #[error("Waiting for the sign-in to be confirmed in the browser.")]
    Pending,
    #[error("The sign-in was declined in the browser. Run `bentoml cloud login` again if that was a mistake.")]
    Declined,
    #[error("This sign-in code has expired (codes work for 10 minutes). Run `bentoml cloud login` again.")]
    Expired,
    #[error("This sign-in code has been used; its token was handed out once. Run `bentoml cloud login` again.")]
    Used,
    #[error("The token made for this sign-in has been deleted. Run `bentoml cloud login` again.")]
    TokenDeleted,
    #[error("There is no such sign-in code.")]
    Unknown,
    #[error("Too many requests from your address. Try again in {0} seconds.")]
    SlowDown(u64),
    #[error(transparent)]
    Unexpected(#[from] ServiceError),
}

impl From<sqlx::Error> for NoToken {
    fn from(err: sqlx::Error) -> Self {
        NoToken::Unexpected(err.into())
    }
}

/// The CLI's poll: the token's secret, the first time it is asked for after approval.
pub async fn collect(pool: &db::Pool, client: IpAddr, code: &str) -> Result<TokenSecret, NoToken> {
    let now = db::now();
    match limit(pool, "cli-login-poll", client, POLL_LIMIT, now).await {
        Err(ServiceError::RateLimited(seconds)) => return Err(NoToken::SlowDown(seconds)),
        other => other?,
    }
    let code = LoginCode::parse(code).ok_or(NoToken::Unknown)?;
    let digest = code.digest();
    let row = repo::find(pool, &digest).await?.ok_or(NoToken::Unknown)?;
    match status(&row, now) {
        Status::Pending => return Err(NoToken::Pending),
        Status::Declined => return Err(NoToken::Declined),
        Status::Expired => return Err(NoToken::Expired),
        Status::Collected => return Err(NoToken::Used),
        Status::Approved => {}
    }
    let sealed = row.sealed_secret.filter(|_| row.token_id.is_some()).ok_or(NoToken::TokenDeleted)?;
    let secret = code.open(&sealed).ok_or_else(|| {
        NoToken::Unexpected(anyhow::anyhow!("a sealed CLI token did not open with its own code").into())
    })?;
    if !repo::collect(pool, &digest, now).await? {
        return Err(NoToken::Used);
    }
    tracing::info!(%client, token_id = ?row.token_id.map(|id| id.get()), "CLI collected its token");
    Ok(secret)
}
