//! Organizations and users: creating them (first-run setup, the CLI) and reading the
//! signed-in account.

pub mod repo;

use anyhow::Context;

use super::{
    auth::password,
    db,
    error::{ServiceError, ServiceResult},
    setup,
};
use crate::domain::{Email, Field, InvalidInput, NewPassword, OrganizationId, OrganizationName, PersonName, UserId};
pub use repo::AccountRow;

pub const ALREADY_SET_UP: &str = "The console is already set up. Sign in instead.";

fn email_taken() -> ServiceError {
    InvalidInput::new(Field::Email, "A user with this email already exists.").into()
}

impl From<password::HashingError> for ServiceError {
    fn from(err: password::HashingError) -> Self {
        match err {
            password::HashingError::Busy => ServiceError::Busy,
            password::HashingError::Failed(err) => ServiceError::Unexpected(err),
        }
    }
}

/// Who is acting: a signed-in user, or an admin at the command line (no user).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub organization_id: OrganizationId,
    pub organization_slug: String,
}

impl From<&AccountRow> for Actor {
    fn from(row: &AccountRow) -> Self {
        Self {
            user_id: Some(row.user_id),
            organization_id: row.organization_id,
            organization_slug: row.organization_slug.clone(),
        }
    }
}

/// The actor for command-line administration: the organization, no user.
pub async fn command_line_actor(pool: &db::Pool) -> ServiceResult<Actor> {
    let org = repo::find_organization(pool).await?.ok_or_else(|| {
        ServiceError::Forbidden(
            "This console has no organization yet: run the first-run setup or `bento-console user create` first."
                .into(),
        )
    })?;
    Ok(Actor { user_id: None, organization_id: org.id, organization_slug: org.slug })
}

pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub password: NewPassword,
    pub is_admin: bool,
}

pub async fn any_user_exists(pool: &db::Pool) -> ServiceResult<bool> {
    Ok(repo::any_user_exists(pool).await?)
}

/// Whether `code` opens first-run setup now: no user exists yet, and the code is unused.
pub async fn setup_open(pool: &db::Pool, code: &str) -> ServiceResult<bool> {
    Ok(!repo::any_user_exists(pool).await? && setup::is_valid(pool, code).await?)
}

/// The details first-run setup asks for.
pub struct FirstAdmin {
    pub organization: OrganizationName,
    pub name: PersonName,
    pub email: Email,
    pub password: NewPassword,
}

/// First-run setup with the one-time `code`: the organization and its first admin, in one
/// transaction that consumes every setup code and refuses to run once any user exists.
pub async fn create_first_admin(pool: &db::Pool, code: &str, admin: FirstAdmin) -> ServiceResult<UserId> {
    let refused = || ServiceError::Forbidden(setup::SETUP_REFUSED.into());
    // A wrong code costs a lookup, not a password hash.
    if !setup::is_valid(pool, code).await? {
        return Err(refused());
    }
    let FirstAdmin { organization, name, email, password } = admin;
    let password_hash = password::hash(password).await?;
    let mut tx = db::begin_write(pool).await?;
    if !setup::consume(&mut tx, code).await? {
        return Err(refused());
    }
    if repo::any_user_exists(&mut tx).await? {
        return Err(ServiceError::Forbidden(ALREADY_SET_UP.into()));
    }
    let now = db::now();
    let org = match repo::find_organization(&mut tx).await? {
        Some(org) => org,
        None => repo::insert_organization(&mut tx, &organization, now).await?,
    };
    let user_id = repo::insert_user(
        &mut tx,
        repo::UserRow {
            organization_id: org.id,
            email: &email,
            name: &name,
            password_hash: &password_hash,
            is_admin: true,
            created_at: now,
        },
    )
    .await?
    .ok_or_else(email_taken)?;
    tx.commit().await?;
    tracing::info!(%user_id, organization = %org.name, "first admin created");
    Ok(user_id)
}

/// `bento-console user create`: adds a user to the organization, creating the organization
/// when the database has none yet (then `organization` is required).
pub async fn create_user(
    pool: &db::Pool,
    user: NewUser,
    organization: Option<OrganizationName>,
) -> ServiceResult<AccountRow> {
    let password_hash = password::hash(user.password).await?;
    let mut tx = db::begin_write(pool).await?;
    let now = db::now();
    let org = match (repo::find_organization(&mut tx).await?, organization) {
        (Some(org), Some(wanted)) if org.name != wanted.name() => {
            return Err(ServiceError::Forbidden(format!(
                "This console's organization is {:?}; it serves only one organization.",
                org.name
            )))
        }
        (Some(org), _) => org,
        (None, Some(wanted)) => repo::insert_organization(&mut tx, &wanted, now).await?,
        (None, None) => {
            return Err(ServiceError::Forbidden(
                "This database has no organization yet: name it with --organization.".into(),
            ))
        }
    };
    // A user exists now: the first-run setup links stop working.
    setup::close(&mut tx).await?;
    let user_id = repo::insert_user(
        &mut tx,
        repo::UserRow {
            organization_id: org.id,
            email: &user.email,
            name: &user.name,
            password_hash: &password_hash,
            is_admin: user.is_admin,
            created_at: now,
        },
    )
    .await?
    .ok_or_else(email_taken)?;
    let account = repo::find_account(&mut tx, user_id).await?.context("BUG: the user just inserted is missing")?;
    tx.commit().await?;
    tracing::info!(%user_id, "user created");
    Ok(account)
}
