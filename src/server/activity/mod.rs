//! The activity log: who did what, when, from which address. Services record an event in the
//! transaction of the change it describes, so a change and its record land together. Events
//! name tokens by their display prefix and never hold a secret; they are kept for
//! `--activity-retention-days`.

pub mod repo;

use std::time::Duration;

use super::{accounts::Actor, db, error::ServiceResult};
use crate::domain::{time::DAY, EventKind, OrganizationId, Permission, UserId};

/// One entry of the log, as the services hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub token_prefix: Option<String>,
    pub kind: EventKind,
    pub subject: String,
    pub detail: String,
    pub client: Option<String>,
}

/// Records `kind` about `subject` (a member's name, a token's or deployment's name), with a
/// `detail` such as "Protected → Public", done by `actor`.
pub async fn record(
    db: impl Into<db::Db<'_>>,
    actor: &Actor,
    kind: EventKind,
    subject: &str,
    detail: &str,
) -> ServiceResult<()> {
    let client = actor.client.map(|ip| ip.to_string());
    repo::insert(
        db,
        repo::NewEvent {
            organization_id: actor.organization_id,
            at: db::now(),
            actor_id: actor.user_id,
            actor_name: &actor.name,
            token_prefix: actor.token_prefix.as_deref(),
            kind,
            subject,
            detail,
            client: client.as_deref(),
        },
    )
    .await?;
    Ok(())
}

/// What the log shows: a member's events, a kind, a range of days.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub actor_id: Option<UserId>,
    pub kind: Option<EventKind>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
}

pub struct Listed {
    pub events: Vec<Event>,
    pub total: i64,
}

/// A page of the organization's log, newest first. Admins only.
pub async fn list(pool: &db::Pool, actor: &Actor, query: &Query, offset: i64, limit: i64) -> ServiceResult<Listed> {
    actor.require(Permission::ManageMembers)?;
    let filter = repo::Filter {
        actor_id: query.actor_id,
        kind: query.kind,
        from: query.from.unwrap_or(i64::MIN),
        until: query.until.unwrap_or(i64::MAX),
    };
    let total = repo::count(pool, actor.organization_id, &filter).await?;
    let rows = repo::page(pool, actor.organization_id, &filter, limit, offset).await?;
    let events = rows
        .into_iter()
        .map(|row| Event {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            token_prefix: row.token_prefix,
            kind: row.kind,
            subject: row.subject,
            detail: row.detail,
            client: row.client,
        })
        .collect();
    Ok(Listed { events, total })
}

/// A sign-in attempt that failed for a member's email, or for an address no member has (which
/// is not recorded: what was typed could be anything, even a password).
pub async fn record_failed_sign_in(
    pool: &db::Pool,
    organization_id: OrganizationId,
    member: Option<(UserId, String)>,
    client: std::net::IpAddr,
) -> ServiceResult<()> {
    let (actor_id, actor_name) = match member {
        Some((id, name)) => (Some(id), name),
        None => (None, "unknown email".to_owned()),
    };
    let client = client.to_string();
    repo::insert(
        pool,
        repo::NewEvent {
            organization_id,
            at: db::now(),
            actor_id,
            actor_name: &actor_name,
            token_prefix: None,
            kind: EventKind::SignInFailed,
            subject: "",
            detail: "",
            client: Some(&client),
        },
    )
    .await?;
    Ok(())
}

/// Deletes events older than `days`, now and then every hour, for as long as the server runs.
pub async fn expire_continuously(pool: db::Pool, days: u32) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let before = db::now() - i64::from(days) * DAY;
        match repo::delete_before(&pool, before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, days, "old activity-log events deleted"),
            Err(err) => tracing::warn!(error = %err, "could not delete old activity-log events"),
        }
    }
}
