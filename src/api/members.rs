//! Members and invitations as the Members page sees them. Admins only (the services check).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AppError, Notice};
use crate::domain::{Role, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: i64,
    pub last_sign_in_at: Option<i64>,
    /// The viewer themself.
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<Member>,
    pub invitations: Vec<Invitation>,
    pub now: i64,
}

/// An invitation just made, with its one-time link: shown once, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvitation {
    pub invitation: Invitation,
    pub link: String,
}

#[cfg(feature = "ssr")]
impl From<crate::server::members::Invitation> for Invitation {
    fn from(i: crate::server::members::Invitation) -> Self {
        Self {
            id: i.id,
            email: i.email,
            name: i.name,
            role: i.role,
            invited_by: i.invited_by,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

#[server(prefix = "/rpc", endpoint = "list_members")]
pub async fn list_members() -> Result<MemberList, AppError> {
    use crate::server::{db, members};
    let (state, actor) = super::context::require_actor().await?;
    let (list, pending) = members::list(&state.pool, &actor).await?;
    Ok(MemberList {
        members: list
            .into_iter()
            .map(|m| Member {
                is_you: Some(m.id) == actor.user_id,
                id: m.id,
                name: m.name,
                email: m.email,
                role: m.role,
                joined_at: m.joined_at,
                last_sign_in_at: m.last_sign_in_at,
            })
            .collect(),
        invitations: pending.into_iter().map(Invitation::from).collect(),
        now: db::now(),
    })
}

/// Invites someone; the link is in this one response (or, for a form posted without
/// JavaScript, in `take_revealed_invitation`'s, once).
#[server(prefix = "/rpc", endpoint = "invite_member")]
pub async fn invite_member(name: String, email: String, role: String) -> Result<CreatedInvitation, AppError> {
    use super::context;
    use crate::domain::{AllValid, Email, PersonName};
    use crate::server::members;
    let (state, actor) = context::require_actor().await?;
    let (name, email, role) = (PersonName::parse(&name), Email::parse(&email), Role::parse(&role)).all_valid()?;
    let new = members::NewInvitation { name, email, role };
    let (invitation, code) = members::invite(&state.pool, &actor, new).await?;
    let link = members::join_url(&state.settings.public_url, &code);
    let created = CreatedInvitation { invitation: invitation.into(), link };
    if context::is_plain_form_post() {
        let settings = &state.settings;
        let session = context::session().await?;
        super::reveal::put(
            &super::reveal::INVITATIONS,
            &settings.secret_key,
            &session,
            settings.is_https(),
            created.clone(),
        )?;
        leptos_axum::redirect(&format!("{MEMBERS}?invited"));
    }
    Ok(created)
}

/// The invitation made by this session's last no-JavaScript form post, once.
#[server(prefix = "/rpc", endpoint = "take_revealed_invitation")]
pub async fn take_revealed_invitation() -> Result<Option<CreatedInvitation>, AppError> {
    use super::context;
    let settings = context::state()?.settings;
    super::reveal::take(
        &super::reveal::INVITATIONS,
        &settings.secret_key,
        &context::session().await?,
        settings.is_https(),
    )
}

#[server(prefix = "/rpc", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: i64) -> Result<Notice, AppError> {
    use crate::server::members;
    let (state, actor) = super::context::require_actor().await?;
    let invitation = members::revoke_invitation(&state.pool, &actor, id).await?;
    leptos_axum::redirect(MEMBERS);
    Ok(Notice(format!("Invitation for {} revoked.", invitation.email)))
}

#[server(prefix = "/rpc", endpoint = "set_member_role")]
pub async fn set_member_role(id: UserId, role: String) -> Result<Notice, AppError> {
    use crate::server::members;
    let (state, actor) = super::context::require_actor().await?;
    let member = members::set_role(&state.pool, &state.caches, &actor, id, Role::parse(&role)?).await?;
    leptos_axum::redirect(MEMBERS);
    Ok(Notice(format!("{} is now {}.", member.name, member.role.label())))
}

#[server(prefix = "/rpc", endpoint = "remove_member")]
pub async fn remove_member(id: UserId) -> Result<Notice, AppError> {
    use crate::server::members;
    let (state, actor) = super::context::require_actor().await?;
    let member = members::remove(&state.pool, &state.caches, &actor, id).await?;
    leptos_axum::redirect(MEMBERS);
    Ok(Notice(format!("{} removed.", member.name)))
}

pub const MEMBERS: &str = "/members";
