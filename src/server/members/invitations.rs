//! SQL for invitations. Nothing else in the crate writes the `invitations` table. Codes are
//! stored only as their SHA-256 digest.

use sqlx::FromRow;

use crate::domain::{OrganizationId, Role, UserId};
use crate::server::db::{run, Db, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub organization_id: OrganizationId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub invited_by_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

const SELECT: &str = "select i.id, i.organization_id, i.email, i.name, i.role, u.name as invited_by_name,
        i.created_at, i.expires_at
    from invitations i left join users u on u.id = i.invited_by";

pub struct NewRow<'a> {
    pub organization_id: OrganizationId,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub digest: &'a [u8; 32],
    pub invited_by: Option<UserId>,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert(db: &mut Tx, row: NewRow<'_>) -> sqlx::Result<i64> {
    run!(db, |e| sqlx::query_scalar(
        "insert into invitations (organization_id, email, name, role, digest, invited_by, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
    )
    .bind(row.organization_id)
    .bind(row.email)
    .bind(row.name)
    .bind(row.role)
    .bind(&row.digest[..])
    .bind(row.invited_by)
    .bind(row.now)
    .bind(row.expires_at)
    .fetch_one(e)
    .await)
}

/// Invitations neither accepted, revoked nor expired at `now`, newest first.
pub async fn pending(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    now: i64,
) -> sqlx::Result<Vec<InvitationRow>> {
    run!(db, |e| sqlx::query_as(&format!(
        "{SELECT} where i.organization_id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > $2
         order by i.created_at desc, i.id desc"
    ))
    .bind(organization_id)
    .bind(now)
    .fetch_all(e)
    .await)
}

/// The pending invitation a code opens, if any.
pub async fn find_pending_by_digest(
    db: impl Into<Db<'_>>,
    digest: &[u8; 32],
    now: i64,
) -> sqlx::Result<Option<InvitationRow>> {
    run!(db, |e| sqlx::query_as(&format!(
        "{SELECT} where i.digest = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > $2"
    ))
    .bind(&digest[..])
    .bind(now)
    .fetch_optional(e)
    .await)
}

/// Whether a pending invitation for `email` exists.
pub async fn pending_for_email(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    email: &str,
    now: i64,
) -> sqlx::Result<bool> {
    run!(db, |e| sqlx::query_scalar(
        "select exists (select 1 from invitations where organization_id = $1 and email = $2
             and accepted_at is null and revoked_at is null and expires_at > $3)"
    )
    .bind(organization_id)
    .bind(email)
    .bind(now)
    .fetch_one(e)
    .await)
}

/// Marks a pending invitation accepted; `false` if it no longer is pending (used, revoked or
/// expired meanwhile), so a code works once even when used twice at the same moment.
pub async fn accept(db: &mut Tx, id: i64, now: i64) -> sqlx::Result<bool> {
    let done = run!(db, |e| sqlx::query(
        "update invitations set accepted_at = $2
         where id = $1 and accepted_at is null and revoked_at is null and expires_at > $2"
    )
    .bind(id)
    .bind(now)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Revokes a pending invitation; its row (for its name and email), or `None` when there is no
/// such pending invitation.
pub async fn revoke(
    db: &mut Tx,
    organization_id: OrganizationId,
    id: i64,
    now: i64,
) -> sqlx::Result<Option<InvitationRow>> {
    let found: Option<InvitationRow> = run!(&mut *db, |e| sqlx::query_as(&format!(
        "{SELECT} where i.organization_id = $1 and i.id = $2 and i.accepted_at is null and i.revoked_at is null
             and i.expires_at > $3"
    ))
    .bind(organization_id)
    .bind(id)
    .bind(now)
    .fetch_optional(e)
    .await)?;
    if found.is_some() {
        run!(db, |e| sqlx::query("update invitations set revoked_at = $2 where id = $1")
            .bind(id)
            .bind(now)
            .execute(e)
            .await
            .map(|done| done.rows_affected()))?;
    }
    Ok(found)
}
