//! Members' roles and what each may do, following BentoCloud's table. The server checks every
//! permission (`server::accounts::Actor::require`); the pages use the same answers to offer
//! only what a role may do.

use serde::{Deserialize, Serialize};

use super::{Field, InvalidInput};

/// A member's role in the organization. Stored as its snake-case word, which the column's
/// check constraint allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum Role {
    /// Everything, including members, organization tokens and the activity log.
    Admin,
    /// Deployments and Developer tokens.
    #[default]
    Developer,
    /// Views deployments and calls Protected ones with User tokens.
    EndpointUser,
}

/// Something only some roles may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Invite and remove members, change roles, see the activity log.
    ManageMembers,
    /// Create, edit and delete deployments; change their access type.
    ManageDeployments,
    /// Create tokens with Developer (API) access.
    CreateDeveloperTokens,
    /// Create, edit and delete organization tokens.
    ManageOrganizationTokens,
    /// See every member's tokens and revoke any of them.
    ManageAllTokens,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Developer, Role::EndpointUser];

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        match raw.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "admin" => Ok(Role::Admin),
            "developer" => Ok(Role::Developer),
            "endpoint_user" => Ok(Role::EndpointUser),
            _ => Err(InvalidInput::new(Field::Role, "Choose Admin, Developer or Endpoint User.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::EndpointUser => "endpoint_user",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Developer => "Developer",
            Role::EndpointUser => "Endpoint User",
        }
    }

    /// One line each, for the role picker.
    pub fn explanation(self) -> &'static str {
        match self {
            Role::Admin => "Everything, including members, organization tokens and the activity log.",
            Role::Developer => "Manages deployments and creates Developer and User tokens.",
            Role::EndpointUser => "Views deployments and creates User tokens to call Protected ones.",
        }
    }

    pub fn may(self, permission: Permission) -> bool {
        match permission {
            Permission::ManageDeployments | Permission::CreateDeveloperTokens => self != Role::EndpointUser,
            Permission::ManageMembers | Permission::ManageOrganizationTokens | Permission::ManageAllTokens => {
                self == Role::Admin
            }
        }
    }
}

impl Permission {
    /// Why a role without this permission is refused: the same sentence in the page and in
    /// the 403 answer.
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::ManageMembers => "Only admins manage members and see the activity log.",
            Permission::ManageDeployments => "Only admins and developers create, change or delete deployments.",
            Permission::CreateDeveloperTokens => {
                "Only admins and developers create tokens with Developer (API) access; you can create User tokens."
            }
            Permission::ManageOrganizationTokens => "Only admins create, edit or delete organization tokens.",
            Permission::ManageAllTokens => "Only admins manage other members' tokens.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_ones_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
            assert_eq!(Role::parse(role.label()).unwrap(), role);
        }
        assert_eq!(Role::parse("owner").unwrap_err().field, Field::Role);
    }

    #[test]
    fn the_permission_table() {
        use Permission::*;
        let table = [
            (ManageMembers, [true, false, false]),
            (ManageDeployments, [true, true, false]),
            (CreateDeveloperTokens, [true, true, false]),
            (ManageOrganizationTokens, [true, false, false]),
            (ManageAllTokens, [true, false, false]),
        ];
        for (permission, allowed) in table {
            for (role, allowed) in Role::ALL.into_iter().zip(allowed) {
                assert_eq!(role.may(permission), allowed, "{role:?} {permission:?}");
            }
        }
    }
}
