//! Sign-in throttling, kept in the database so every replica sees the same counts.
//!
//! A key (an email or a client address) that fails `max_failures` times within `window` is
//! locked for `lock`. The check runs before the password is hashed, so a locked key costs no
//! argon2 time.

use std::{net::IpAddr, time::Duration};

use sqlx::SqliteExecutor;

use crate::domain::Email;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: i64,
    pub window: Duration,
    pub lock: Duration,
}

/// Five wrong passwords for one account in 15 minutes lock it for a minute.
pub const PER_EMAIL: Policy =
    Policy { max_failures: 5, window: Duration::from_secs(15 * 60), lock: Duration::from_secs(60) };
/// One address may try more accounts (shared NAT), but not endlessly.
pub const PER_ADDRESS: Policy =
    Policy { max_failures: 20, window: Duration::from_secs(15 * 60), lock: Duration::from_secs(60) };

pub fn email_key(email: &Email) -> String {
    format!("email:{email}")
}

pub fn address_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

/// Seconds until `key` may try again, if it is locked now.
pub async fn locked_for(db: impl SqliteExecutor<'_>, key: &str, now: i64) -> sqlx::Result<Option<u64>> {
    let locked_until: Option<i64> = sqlx::query_scalar("select locked_until from login_throttle where key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(locked_until.filter(|until| *until > now).map(|until| (until - now) as u64))
}

/// Counts a failure for `key`, locking it when the policy's limit is reached.
pub async fn record_failure(db: &crate::server::db::Pool, key: &str, policy: Policy, now: i64) -> sqlx::Result<()> {
    let window = policy.window.as_secs() as i64;
    // A new window starts when the old one has passed.
    let failures: i64 = sqlx::query_scalar(
        "insert into login_throttle (key, failures, window_started, locked_until) values ($1, 1, $2, 0)
         on conflict (key) do update set
           failures = case when login_throttle.window_started + $3 <= $2 then 1 else login_throttle.failures + 1 end,
           window_started = case when login_throttle.window_started + $3 <= $2 then $2 else login_throttle.window_started end
         returning failures",
    )
    .bind(key)
    .bind(now)
    .bind(window)
    .fetch_one(db)
    .await?;
    if failures >= policy.max_failures {
        sqlx::query("update login_throttle set failures = 0, window_started = $2, locked_until = $3 where key = $1")
            .bind(key)
            .bind(now)
            .bind(now + policy.lock.as_secs() as i64)
            .execute(db)
            .await?;
    }
    Ok(())
}

pub async fn clear(db: impl SqliteExecutor<'_>, key: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_throttle where key = $1").bind(key).execute(db).await?;
    Ok(())
}
