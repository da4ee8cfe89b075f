//! SQL for the activity log. Nothing else in the crate writes the `events` table.

use sqlx::FromRow;

use crate::domain::{EventKind, OrganizationId, UserId};
use crate::server::db::{run, Db};

pub struct NewEvent<'a> {
    pub organization_id: OrganizationId,
    pub at: i64,
    pub actor_id: Option<UserId>,
    pub actor_name: &'a str,
    pub token_prefix: Option<&'a str>,
    pub kind: EventKind,
    pub subject: &'a str,
    pub detail: &'a str,
    pub client: Option<&'a str>,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
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

pub async fn insert(db: impl Into<Db<'_>>, event: NewEvent<'_>) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query(
        "insert into events (organization_id, at, actor_id, actor_name, token_prefix, kind, subject, detail, client)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(event.organization_id)
    .bind(event.at)
    .bind(event.actor_id)
    .bind(event.actor_name)
    .bind(event.token_prefix)
    .bind(event.kind)
    .bind(event.subject)
    .bind(event.detail)
    .bind(event.client)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// What the log is filtered by: `$1` organization, `$2` member (or null), `$3` kind (or null),
/// `$4`..`$5` the time range (inclusive start, exclusive end).
pub struct Filter {
    pub actor_id: Option<UserId>,
    pub kind: Option<EventKind>,
    pub from: i64,
    pub until: i64,
}

const WHERE: &str = "organization_id = $1 and ($2 is null or actor_id = $2) and ($3 is null or kind = $3)
    and at >= $4 and at < $5";

pub async fn page(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<EventRow>> {
    run!(db, |e| sqlx::query_as(&format!(
        "select id, at, actor_id, actor_name, token_prefix, kind, subject, detail, client from events
         where {WHERE} order by at desc, id desc limit $6 offset $7"
    ))
    .bind(organization_id)
    .bind(filter.actor_id)
    .bind(filter.kind)
    .bind(filter.from)
    .bind(filter.until)
    .bind(limit)
    .bind(offset)
    .fetch_all(e)
    .await)
}

pub async fn count(db: impl Into<Db<'_>>, organization_id: OrganizationId, filter: &Filter) -> sqlx::Result<i64> {
    run!(db, |e| sqlx::query_scalar(&format!("select count(*) from events where {WHERE}"))
        .bind(organization_id)
        .bind(filter.actor_id)
        .bind(filter.kind)
        .bind(filter.from)
        .bind(filter.until)
        .fetch_one(e)
        .await)
}

/// Deletes events from before `before`; how many.
pub async fn delete_before(db: impl Into<Db<'_>>, before: i64) -> sqlx::Result<u64> {
    run!(db, |e| sqlx::query("delete from events where at < $1")
        .bind(before)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))
}
