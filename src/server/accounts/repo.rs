//! SQL for organizations and users. Nothing else in the crate writes these tables.

use sqlx::FromRow;

use crate::domain::{Email, OrganizationId, OrganizationName, PersonName, Role, UserId};
use crate::server::db::{run, Db, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub slug: String,
    pub created_at: i64,
}

/// What the console shows about the signed-in user.
#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub user_id: UserId,
    pub user_name: String,
    pub email: String,
    pub role: Role,
    pub organization_id: OrganizationId,
    pub organization_name: String,
    pub organization_slug: String,
    pub organization_created_at: i64,
}

#[derive(Debug, FromRow)]
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: String,
}

/// Removed members count: their rows remain (see `remove`).
pub async fn any_user_exists(db: impl Into<Db<'_>>) -> sqlx::Result<bool> {
    run!(db, |e| sqlx::query_scalar("select exists (select 1 from users)").fetch_one(e).await)
}

/// The console serves one organization; it is the first one created.
pub async fn find_organization(db: impl Into<Db<'_>>) -> sqlx::Result<Option<Organization>> {
    run!(db, |e| sqlx::query_as("select id, name, slug, created_at from organizations order by id limit 1")
        .fetch_optional(e)
        .await)
}

pub async fn find_organization_by_id(db: impl Into<Db<'_>>, id: OrganizationId) -> sqlx::Result<Option<Organization>> {
    run!(db, |e| sqlx::query_as("select id, name, slug, created_at from organizations where id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)
}

pub async fn insert_organization(db: &mut Tx, name: &OrganizationName, now: i64) -> sqlx::Result<Organization> {
    run!(db, |e| sqlx::query_as(
        "insert into organizations (name, slug, created_at) values ($1, $2, $3) returning id, name, slug, created_at"
    )
    .bind(name.name())
    .bind(name.slug())
    .bind(now)
    .fetch_one(e)
    .await)
}

pub struct UserRow<'a> {
    pub organization_id: OrganizationId,
    pub email: &'a Email,
    pub name: &'a PersonName,
    pub password_hash: &'a str,
    pub role: Role,
    pub created_at: i64,
}

/// Inserts, returning the new id; `None` when the email is taken.
pub async fn insert_user(db: &mut Tx, user: UserRow<'_>) -> sqlx::Result<Option<UserId>> {
    let inserted = run!(db, |e| sqlx::query_scalar(
        "insert into users (organization_id, email, name, password_hash, role, created_at)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(user.organization_id)
    .bind(user.email.as_ref())
    .bind(user.name.as_ref())
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.created_at)
    .fetch_one(e)
    .await);
    crate::server::db::none_if_taken(inserted)
}

pub async fn find_credentials(db: impl Into<Db<'_>>, email: &Email) -> sqlx::Result<Option<Credentials>> {
    run!(db, |e| sqlx::query_as(
        "select id as user_id, password_hash from users where email = $1 and removed_at is null"
    )
    .bind(email.as_ref())
    .fetch_optional(e)
    .await)
}

pub async fn find_account(db: impl Into<Db<'_>>, user_id: UserId) -> sqlx::Result<Option<AccountRow>> {
    run!(db, |e| sqlx::query_as(
        "select u.id as user_id, u.name as user_name, u.email, u.role,
                o.id as organization_id, o.name as organization_name, o.slug as organization_slug,
                o.created_at as organization_created_at
         from users u join organizations o on o.id = u.organization_id
         where u.id = $1 and u.removed_at is null",
    )
    .bind(user_id)
    .fetch_optional(e)
    .await)
}

/// A member as the Members page lists them.
#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

const MEMBER: &str = "select id, name, email, role, created_at, last_sign_in_at from users";

/// The organization's members (not the removed ones), by name.
pub async fn members(db: impl Into<Db<'_>>, organization_id: OrganizationId) -> sqlx::Result<Vec<MemberRow>> {
    run!(db, |e| sqlx::query_as(&format!(
        "{MEMBER} where organization_id = $1 and removed_at is null order by lower(name), id"
    ))
    .bind(organization_id)
    .fetch_all(e)
    .await)
}

pub async fn find_member(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    id: UserId,
) -> sqlx::Result<Option<MemberRow>> {
    run!(db, |e| sqlx::query_as(&format!("{MEMBER} where organization_id = $1 and id = $2 and removed_at is null"))
        .bind(organization_id)
        .bind(id)
        .fetch_optional(e)
        .await)
}

/// A user with this email, removed or not: `(id, removed)`.
pub async fn find_by_email(db: impl Into<Db<'_>>, email: &Email) -> sqlx::Result<Option<(UserId, bool)>> {
    run!(db, |e| sqlx::query_as("select id, removed_at is not null from users where email = $1")
        .bind(email.as_ref())
        .fetch_optional(e)
        .await)
}

/// Takes the organization's row lock for the rest of `tx`, so that two changes to its admins
/// cannot both see "another admin remains" (SQLite's `BEGIN IMMEDIATE` already serialises
/// every writer).
pub async fn lock_organization(tx: &mut Tx, organization_id: OrganizationId) -> sqlx::Result<()> {
    if let Tx::Postgres(tx) = tx {
        sqlx::query("select id from organizations where id = $1 for update")
            .bind(organization_id)
            .fetch_optional(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn count_admins(db: impl Into<Db<'_>>, organization_id: OrganizationId) -> sqlx::Result<i64> {
    run!(db, |e| sqlx::query_scalar(
        "select count(*) from users where organization_id = $1 and role = 'admin' and removed_at is null"
    )
    .bind(organization_id)
    .fetch_one(e)
    .await)
}

pub async fn set_role(db: &mut Tx, organization_id: OrganizationId, id: UserId, role: Role) -> sqlx::Result<bool> {
    let done = run!(db, |e| sqlx::query(
        "update users set role = $3 where organization_id = $1 and id = $2 and removed_at is null"
    )
    .bind(organization_id)
    .bind(id)
    .bind(role)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

pub async fn mark_removed(db: &mut Tx, organization_id: OrganizationId, id: UserId, now: i64) -> sqlx::Result<bool> {
    let done = run!(db, |e| sqlx::query(
        "update users set removed_at = $3 where organization_id = $1 and id = $2 and removed_at is null"
    )
    .bind(organization_id)
    .bind(id)
    .bind(now)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// A removed member joins again (a new invitation): their row comes back with a new name,
/// password and role.
pub async fn restore(
    db: &mut Tx,
    id: UserId,
    name: &PersonName,
    password_hash: &str,
    role: Role,
    now: i64,
) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query(
        "update users set name = $2, password_hash = $3, role = $4, removed_at = null, last_sign_in_at = null,
                created_at = $5
         where id = $1 and removed_at is not null"
    )
    .bind(id)
    .bind(name.as_ref())
    .bind(password_hash)
    .bind(role)
    .bind(now)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn record_sign_in(db: impl Into<Db<'_>>, id: UserId, now: i64) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query("update users set last_sign_in_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}
