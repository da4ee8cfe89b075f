//! Members of the organization: invitations (a one-time link, like the setup link), roles and
//! removal. Admins only, except joining through an invitation. The last admin can be neither
//! removed nor demoted.

pub mod invitations;

use rand::{distributions::Alphanumeric, Rng};
use sha2::{Digest, Sha256};

use super::{
    accounts::{self, repo as users, Actor},
    activity,
    auth::{self, password},
    caches::{Caches, Change},
    db,
    error::{ServiceError, ServiceResult},
    tokens,
};
use crate::domain::{
    time::DAY, Email, EventKind, Field, InvalidInput, NewPassword, Permission, PersonName, Role, UserId,
};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;
pub const NOT_FOUND: &str = "This member does not exist; they may have been removed.";
pub const INVITATION_NOT_FOUND: &str = "This invitation is no longer pending: it was used, revoked or has expired.";
pub const INVITATION_REFUSED: &str =
    "This invitation link is invalid, has expired, was revoked or has already been used. Ask an admin for a new one.";
pub const LAST_ADMIN: &str =
    "This is the organization's last admin: make another member an admin first, so someone can still manage members.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: i64,
    pub last_sign_in_at: Option<i64>,
}

impl From<users::MemberRow> for Member {
    fn from(row: users::MemberRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            email: row.email,
            role: row.role,
            joined_at: row.created_at,
            last_sign_in_at: row.last_sign_in_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl From<invitations::InvitationRow> for Invitation {
    fn from(row: invitations::InvitationRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            invited_by: row.invited_by_name,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }
    }
}

/// The members and the pending invitations. Admins only.
pub async fn list(pool: &db::Pool, actor: &Actor) -> ServiceResult<(Vec<Member>, Vec<Invitation>)> {
    actor.require(Permission::ManageMembers)?;
    let members = users::members(pool, actor.organization_id).await?;
    let pending = invitations::pending(pool, actor.organization_id, db::now()).await?;
    Ok((members.into_iter().map(Member::from).collect(), pending.into_iter().map(Invitation::from).collect()))
}

/// The organization's members for a filter (the activity log's), whoever asks.
pub async fn names(pool: &db::Pool, actor: &Actor) -> ServiceResult<Vec<Member>> {
    Ok(users::members(pool, actor.organization_id).await?.into_iter().map(Member::from).collect())
}

pub struct NewInvitation {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
}

/// Invites someone: the invitation and its one-time code, which is not stored (only its
/// digest) and goes into the link shown once to the admin.
pub async fn invite(pool: &db::Pool, actor: &Actor, new: NewInvitation) -> ServiceResult<(Invitation, String)> {
    actor.require(Permission::ManageMembers)?;
    let code: String = rand::rngs::OsRng.sample_iter(&Alphanumeric).take(32).map(char::from).collect();
    let now = db::now();
    let mut tx = db::begin_write(pool).await?;
    if let Some((_, false)) = users::find_by_email(&mut tx, &new.email).await? {
        return Err(InvalidInput::new(Field::Email, "A member with this email already exists.").into());
    }
    if invitations::pending_for_email(&mut tx, actor.organization_id, new.email.as_ref(), now).await? {
        let message = "This email already has a pending invitation: revoke it first to send a new one.";
        return Err(InvalidInput::new(Field::Email, message).into());
    }
    let id = invitations::insert(
        &mut tx,
        invitations::NewRow {
            organization_id: actor.organization_id,
            email: new.email.as_ref(),
            name: new.name.as_ref(),
            role: new.role,
            digest: &digest(&code),
            invited_by: actor.user_id,
            now,
            expires_at: now + INVITATION_DAYS * DAY,
        },
    )
    .await?;
    let subject = format!("{} <{}>", new.name.as_ref(), new.email.as_ref());
    activity::record(&mut tx, actor, EventKind::MemberInvited, &subject, new.role.label()).await?;
    tx.commit().await?;
    tracing::info!(invitation_id = id, role = new.role.as_str(), "member invited");
    let invitation = Invitation {
        id,
        email: new.email.as_ref().to_owned(),
        name: new.name.as_ref().to_owned(),
        role: new.role,
        invited_by: Some(actor.name.clone()),
        created_at: now,
        expires_at: now + INVITATION_DAYS * DAY,
    };
    Ok((invitation, code))
}

/// The link an invitee opens: `<public URL>/join?code=…`.
pub fn join_url(public_url: &url::Url, code: &str) -> String {
    let mut url = public_url.join("join").expect("a fixed relative path joins any base URL");
    url.query_pairs_mut().append_pair("code", code);
    url.into()
}

pub async fn revoke_invitation(pool: &db::Pool, actor: &Actor, id: i64) -> ServiceResult<Invitation> {
    actor.require(Permission::ManageMembers)?;
    let mut tx = db::begin_write(pool).await?;
    let row = invitations::revoke(&mut tx, actor.organization_id, id, db::now())
        .await?
        .ok_or(ServiceError::NotFound(INVITATION_NOT_FOUND))?;
    activity::record(&mut tx, actor, EventKind::InvitationRevoked, &format!("{} <{}>", row.name, row.email), "")
        .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// What the join page shows for a code: the invitation and the organization, or `None` when
/// the code opens nothing.
pub async fn invitation_for(pool: &db::Pool, code: &str) -> ServiceResult<Option<(Invitation, String)>> {
    let Some(row) = invitations::find_pending_by_digest(pool, &digest(code), db::now()).await? else {
        return Ok(None);
    };
    let organization = users::find_organization(pool).await?.map(|org| org.name).unwrap_or_default();
    Ok(Some((row.into(), organization)))
}

/// Joins through an invitation: the member is created (or, removed before, comes back) with
/// the invitation's email and role, and the code stops working. Returns the new member's id.
pub async fn accept(
    pool: &db::Pool,
    code: &str,
    name: PersonName,
    password: NewPassword,
    client: std::net::IpAddr,
) -> ServiceResult<UserId> {
    let refused = || ServiceError::Forbidden(INVITATION_REFUSED.into());
    // A wrong code costs a lookup, not a password hash.
    let invitation = invitations::find_pending_by_digest(pool, &digest(code), db::now()).await?.ok_or_else(refused)?;
    let password_hash = password::hash(password).await?;
    let email = Email::parse(&invitation.email)?;
    let now = db::now();
    let mut tx = db::begin_write(pool).await?;
    if !invitations::accept(&mut tx, invitation.id, now).await? {
        return Err(refused());
    }
    let (user_id, came_back) = match users::find_by_email(&mut tx, &email).await? {
        Some((_, false)) => {
            return Err(InvalidInput::new(Field::Email, "A member with this email already exists.").into())
        }
        Some((id, true)) => {
            users::restore(&mut tx, id, &name, &password_hash, invitation.role, now).await?;
            (id, true)
        }
        None => {
            let row = users::UserRow {
                organization_id: invitation.organization_id,
                email: &email,
                name: &name,
                password_hash: &password_hash,
                role: invitation.role,
                created_at: now,
            };
            (users::insert_user(&mut tx, row).await?.ok_or_else(accounts::email_taken)?, false)
        }
    };
    // Joining signs them in.
    users::record_sign_in(&mut tx, user_id, now).await?;
    let account = users::find_account(&mut tx, user_id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    let actor = Actor::member(&account, Some(client));
    activity::record(&mut tx, &actor, EventKind::MemberJoined, &account.user_name, invitation.role.label()).await?;
    tx.commit().await?;
    if came_back {
        // A session from before the removal (the account keeps its id) must stay ended.
        auth::delete_sessions_of(pool, user_id).await?;
    }
    tracing::info!(%user_id, role = invitation.role.as_str(), "member joined");
    Ok(user_id)
}

/// Changes a member's role. Takes effect on their next request, tokens included: a Developer
/// token of a member who can no longer create one stops passing the API.
pub async fn set_role(
    pool: &db::Pool,
    caches: &Caches,
    actor: &Actor,
    id: UserId,
    role: Role,
) -> ServiceResult<Member> {
    actor.require(Permission::ManageMembers)?;
    let mut tx = db::begin_write(pool).await?;
    users::lock_organization(&mut tx, actor.organization_id).await?;
    let member =
        users::find_member(&mut tx, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    if member.role == role {
        return Ok(member.into());
    }
    if member.role == Role::Admin && users::count_admins(&mut tx, actor.organization_id).await? <= 1 {
        return Err(ServiceError::Forbidden(LAST_ADMIN.into()));
    }
    users::set_role(&mut tx, actor.organization_id, id, role).await?;
    let detail = format!("{} → {}", member.role.label(), role.label());
    activity::record(&mut tx, actor, EventKind::RoleChanged, &member.name, &detail).await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Member(id)).await?;
    tracing::info!(user_id = %id, role = role.as_str(), "member's role changed");
    Ok(Member { role, ..member.into() })
}

/// Removes a member: their sessions are deleted and so are their personal tokens, effective on
/// the next request on every replica. Their name stays on the activity log and on the
/// organization tokens they created.
pub async fn remove(pool: &db::Pool, caches: &Caches, actor: &Actor, id: UserId) -> ServiceResult<Member> {
    actor.require(Permission::ManageMembers)?;
    let mut tx = db::begin_write(pool).await?;
    users::lock_organization(&mut tx, actor.organization_id).await?;
    let member =
        users::find_member(&mut tx, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    if member.role == Role::Admin && users::count_admins(&mut tx, actor.organization_id).await? <= 1 {
        return Err(ServiceError::Forbidden(LAST_ADMIN.into()));
    }
    users::mark_removed(&mut tx, actor.organization_id, id, db::now()).await?;
    let deleted = tokens::delete_personal(&mut tx, actor, id).await?;
    let detail = match deleted {
        0 => String::new(),
        1 => "1 personal token deleted".to_owned(),
        n => format!("{n} personal tokens deleted"),
    };
    activity::record(&mut tx, actor, EventKind::MemberRemoved, &member.name, &detail).await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Member(id)).await?;
    // Their next request would be refused anyway, but a server that cannot hear this change
    // (the command line on SQLite) still knows the account for a few seconds: the sessions go.
    auth::delete_sessions_of(pool, id).await?;
    tracing::info!(user_id = %id, tokens_deleted = deleted, "member removed");
    Ok(member.into())
}

/// The member with this email (the command line names members by email).
pub async fn find_by_email(pool: &db::Pool, actor: &Actor, email: &Email) -> ServiceResult<Member> {
    match users::find_by_email(pool, email).await? {
        Some((id, false)) => Ok(users::find_member(pool, actor.organization_id, id)
            .await?
            .ok_or(ServiceError::NotFound(NOT_FOUND))?
            .into()),
        _ => Err(ServiceError::NotFound(NOT_FOUND)),
    }
}

fn digest(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}
