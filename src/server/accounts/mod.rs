//! Organizations and users: creating them (first-run setup, the CLI) and reading the
//! signed-in account.

pub mod cache;
pub mod repo;

use std::{net::IpAddr, sync::Arc};

use anyhow::Context;

use super::{
    auth::password,
    caches::Caches,
    db,
    error::{ServiceError, ServiceResult},
    setup,
};
use crate::domain::{
    Email, Field, InvalidInput, NewPassword, OrganizationId, OrganizationName, Permission, PersonName, Role, UserId,
};
pub use cache::AccountCache;
pub use repo::{AccountRow, Organization};

pub const ALREADY_SET_UP: &str = "The console is already set up. Sign in instead.";

pub(crate) fn email_taken() -> ServiceError {
    InvalidInput::new(Field::Email, "A user with this email already exists.").into()
}

/// The member's account, if they are still a member; from memory while the caches may be
/// trusted (see `cache`).
pub async fn find(pool: &db::Pool, caches: &Caches, id: UserId) -> ServiceResult<Option<Arc<AccountRow>>> {
    let Some(cache) = caches.accounts() else {
        return Ok(repo::find_account(pool, id).await?.map(Arc::new));
    };
    if let Some(account) = cache.account(id) {
        return Ok(Some(account));
    }
    let seen = cache.generation();
    Ok(repo::find_account(pool, id).await?.map(|account| cache.keep_account(account, seen)))
}

/// The organization with this id (an organization token's), from memory when it may be.
pub async fn find_organization(
    pool: &db::Pool,
    caches: &Caches,
    id: OrganizationId,
) -> ServiceResult<Option<Arc<Organization>>> {
    let Some(cache) = caches.accounts() else {
        return Ok(repo::find_organization_by_id(pool, id).await?.map(Arc::new));
    };
    if let Some(organization) = cache.organization(id) {
        return Ok(Some(organization));
    }
    Ok(repo::find_organization_by_id(pool, id).await?.map(|organization| cache.keep_organization(organization)))
}

impl From<password::HashingError> for ServiceError {
    fn from(err: password::HashingError) -> Self {
        match err {
            password::HashingError::Busy => ServiceError::Busy,
            password::HashingError::Failed(err) => ServiceError::Unexpected(err),
        }
    }
}

/// Who is acting, with which role: a signed-in member, a member's or the organization's API
/// token, or an admin at the command line. Every service that changes something takes one,
/// checks its permission with [`Actor::require`], and names it in the activity log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The member; `None` for the command line and organization tokens.
    pub user_id: Option<UserId>,
    /// Who, as the activity log names them.
    pub name: String,
    pub role: Role,
    pub organization_id: OrganizationId,
    pub organization_slug: String,
    /// The display prefix of the API token acted through, if any.
    pub token_prefix: Option<String>,
    /// The address of the request, when there is one.
    pub client: Option<IpAddr>,
}

impl Actor {
    /// A signed-in member in the console.
    pub fn member(account: &AccountRow, client: Option<IpAddr>) -> Self {
        Self {
            user_id: Some(account.user_id),
            name: account.user_name.clone(),
            role: account.role,
            organization_id: account.organization_id,
            organization_slug: account.organization_slug.clone(),
            token_prefix: None,
            client,
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }

    /// `Forbidden`, with the sentence the pages show, unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> ServiceResult<()> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(permission.refusal().into()))
        }
    }
}

/// The actor for command-line administration: the organization, no user, admin's rights.
pub async fn command_line_actor(pool: &db::Pool) -> ServiceResult<Actor> {
    let org = repo::find_organization(pool).await?.ok_or_else(|| {
        ServiceError::Forbidden(
            "This console has no organization yet: run the first-run setup or `bento-console user create` first."
                .into(),
        )
    })?;
    Ok(Actor {
        user_id: None,
        name: "command line".into(),
        role: Role::Admin,
        organization_id: org.id,
        organization_slug: org.slug,
        token_prefix: None,
        client: None,
    })
}

pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub password: NewPassword,
    pub role: Role,
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
            role: Role::Admin,
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
            role: user.role,
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
