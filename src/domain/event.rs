//! The kinds of event the activity log records, shared by the log's filter and the server.

use serde::{Deserialize, Serialize};

/// What happened. Stored as its snake-case word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum EventKind {
    SignedIn,
    SignInFailed,
    MemberInvited,
    InvitationRevoked,
    MemberJoined,
    RoleChanged,
    MemberRemoved,
    TokenCreated,
    TokenEdited,
    TokenRegenerated,
    TokenDeleted,
    /// An admin deleted another member's token.
    TokenRevoked,
    DeploymentCreated,
    DeploymentChanged,
    DeploymentDeleted,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::SignedIn,
        EventKind::SignInFailed,
        EventKind::MemberInvited,
        EventKind::InvitationRevoked,
        EventKind::MemberJoined,
        EventKind::RoleChanged,
        EventKind::MemberRemoved,
        EventKind::TokenCreated,
        EventKind::TokenEdited,
        EventKind::TokenRegenerated,
        EventKind::TokenDeleted,
        EventKind::TokenRevoked,
        EventKind::DeploymentCreated,
        EventKind::DeploymentChanged,
        EventKind::DeploymentDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SignedIn => "signed_in",
            EventKind::SignInFailed => "sign_in_failed",
            EventKind::MemberInvited => "member_invited",
            EventKind::InvitationRevoked => "invitation_revoked",
            EventKind::MemberJoined => "member_joined",
            EventKind::RoleChanged => "role_changed",
            EventKind::MemberRemoved => "member_removed",
            EventKind::TokenCreated => "token_created",
            EventKind::TokenEdited => "token_edited",
            EventKind::TokenRegenerated => "token_regenerated",
            EventKind::TokenDeleted => "token_deleted",
            EventKind::TokenRevoked => "token_revoked",
            EventKind::DeploymentCreated => "deployment_created",
            EventKind::DeploymentChanged => "deployment_changed",
            EventKind::DeploymentDeleted => "deployment_deleted",
        }
    }

    /// `None` for anything else (a filter then shows every kind).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::SignedIn => "Signed in",
            EventKind::SignInFailed => "Sign-in failed",
            EventKind::MemberInvited => "Member invited",
            EventKind::InvitationRevoked => "Invitation revoked",
            EventKind::MemberJoined => "Member joined",
            EventKind::RoleChanged => "Role changed",
            EventKind::MemberRemoved => "Member removed",
            EventKind::TokenCreated => "Token created",
            EventKind::TokenEdited => "Token edited",
            EventKind::TokenRegenerated => "Token regenerated",
            EventKind::TokenDeleted => "Token deleted",
            EventKind::TokenRevoked => "Token revoked by an admin",
            EventKind::DeploymentCreated => "Deployment created",
            EventKind::DeploymentChanged => "Deployment changed",
            EventKind::DeploymentDeleted => "Deployment deleted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(EventKind::parse("nope"), None);
    }
}
