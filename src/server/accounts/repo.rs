//! SQL for organizations and users. Nothing else in the crate writes these tables.

use sqlx::FromRow;

use crate::domain::{Email, OrganizationId, OrganizationName, PersonName, UserId};
use crate::server::db::{run, Db, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub slug: String,
}

/// What the console shows about the signed-in user.
#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub user_id: UserId,
    pub user_name: String,
    pub email: String,
    pub is_admin: bool,
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

pub async fn any_user_exists(db: impl Into<Db<'_>>) -> sqlx::Result<bool> {
    run!(db, |e| sqlx::query_scalar("select exists (select 1 from users)").fetch_one(e).await)
}

/// The console serves one organization; it is the first one created.
pub async fn find_organization(db: impl Into<Db<'_>>) -> sqlx::Result<Option<Organization>> {
    run!(db, |e| sqlx::query_as("select id, name, slug from organizations order by id limit 1").fetch_optional(e).await)
}

pub async fn insert_organization(db: &mut Tx, name: &OrganizationName, now: i64) -> sqlx::Result<Organization> {
    run!(db, |e| sqlx::query_as(
        "insert into organizations (name, slug, created_at) values ($1, $2, $3) returning id, name, slug"
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
    pub is_admin: bool,
    pub created_at: i64,
}

/// Inserts, returning the new id; `None` when the email is taken.
pub async fn insert_user(db: &mut Tx, user: UserRow<'_>) -> sqlx::Result<Option<UserId>> {
    let inserted = run!(db, |e| sqlx::query_scalar(
        "insert into users (organization_id, email, name, password_hash, is_admin, created_at)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(user.organization_id)
    .bind(user.email.as_ref())
    .bind(user.name.as_ref())
    .bind(user.password_hash)
    .bind(user.is_admin)
    .bind(user.created_at)
    .fetch_one(e)
    .await);
    crate::server::db::none_if_taken(inserted)
}

pub async fn find_credentials(db: impl Into<Db<'_>>, email: &Email) -> sqlx::Result<Option<Credentials>> {
    run!(db, |e| sqlx::query_as("select id as user_id, password_hash from users where email = $1")
        .bind(email.as_ref())
        .fetch_optional(e)
        .await)
}

pub async fn find_account(db: impl Into<Db<'_>>, user_id: UserId) -> sqlx::Result<Option<AccountRow>> {
    run!(db, |e| sqlx::query_as(
        "select u.id as user_id, u.name as user_name, u.email, u.is_admin,
                o.id as organization_id, o.name as organization_name, o.slug as organization_slug,
                o.created_at as organization_created_at
         from users u join organizations o on o.id = u.organization_id
         where u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(e)
    .await)
}
