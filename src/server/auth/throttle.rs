//! Sign-in throttling, kept in the database so every replica sees the same counts.
//!
//! Every attempt *reserves* a try for its keys (the email and the client address) before the
//! password is hashed, in one atomic statement per key. A key that has used up its tries
//! within the window is locked, so a burst of parallel attempts gets at most `max_attempts`
//! password checks, however they interleave, and a locked key costs no argon2 time. A
//! successful sign-in gives its tries back.

use std::{net::IpAddr, time::Duration};

use crate::domain::Email;
use crate::server::db::{run, Db};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Password checks allowed per window; the next attempt locks the key.
    pub max_attempts: i64,
    pub window: Duration,
    pub lock: Duration,
}

/// Five wrong passwords for one account in 15 minutes lock it for a minute.
pub const PER_EMAIL: Policy =
    Policy { max_attempts: 5, window: Duration::from_secs(15 * 60), lock: Duration::from_secs(60) };
/// One address may try more accounts (shared NAT), but not endlessly.
pub const PER_ADDRESS: Policy =
    Policy { max_attempts: 20, window: Duration::from_secs(15 * 60), lock: Duration::from_secs(60) };

pub fn email_key(email: &Email) -> String {
    format!("email:{email}")
}

pub fn address_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

/// The outcome of asking for a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The password may be checked; the try counts until it is given back.
    Granted,
    /// Locked: seconds until the key may try again.
    Locked(u64),
}

/// Reserves one try for `key`, atomically: concurrent callers each see the count their own
/// reservation produced. The attempt that goes over the limit locks the key (and starts a new
/// window for when the lock ends); attempts while locked change nothing.
pub async fn reserve(db: impl Into<Db<'_>>, key: &str, policy: Policy, now: i64) -> sqlx::Result<Reservation> {
    // In an UPDATE every expression sees the row's old values, so the three assignments agree
    // on whether the key is locked (`locked`), its window has passed (`fresh`) and this try
    // goes over the limit (`over`).
    let locked_until: i64 = run!(db, |e| sqlx::query_scalar(
        "insert into login_throttle (key, failures, window_started, locked_until) values ($1, 1, $2, 0)
         on conflict (key) do update set
           failures = case
             when login_throttle.locked_until > $2 then login_throttle.failures
             when login_throttle.window_started + $3 <= $2 then 1
             when login_throttle.failures + 1 > $4 then 0
             else login_throttle.failures + 1 end,
           window_started = case
             when login_throttle.locked_until > $2 then login_throttle.window_started
             when login_throttle.window_started + $3 <= $2 then $2
             when login_throttle.failures + 1 > $4 then $2
             else login_throttle.window_started end,
           locked_until = case
             when login_throttle.locked_until > $2 then login_throttle.locked_until
             when login_throttle.window_started + $3 > $2 and login_throttle.failures + 1 > $4 then $2 + $5
             else login_throttle.locked_until end
         returning locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(policy.window.as_secs() as i64)
    .bind(policy.max_attempts)
    .bind(policy.lock.as_secs() as i64)
    .fetch_one(e)
    .await)?;
    Ok(if locked_until > now { Reservation::Locked((locked_until - now) as u64) } else { Reservation::Granted })
}

/// Gives a reserved try back (the sign-in succeeded, or another key refused the attempt
/// before the password was checked).
pub async fn give_back(db: impl Into<Db<'_>>, key: &str) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query(
        "update login_throttle set failures = case when failures > 0 then failures - 1 else 0 end where key = $1",
    )
    .bind(key)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Forgets `key`'s tries (the account's owner signed in).
pub async fn clear(db: impl Into<Db<'_>>, key: &str) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query("delete from login_throttle where key = $1")
        .bind(key)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}
