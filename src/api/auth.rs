//! Sign-in, sign-out, first-run setup and "who am I".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::domain::Role;

/// The signed-in user and their organization, as the console shell shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub user_name: String,
    pub email: String,
    pub role: Role,
    pub organization_name: String,
}

/// What an invitation link shows before the invitee joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDetails {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organization_name: String,
}

// `login`, `setup`, `setup_available`, `invitation` and `join` work without a session:
// `server::guard` lists their paths.

#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::context;
    let state = context::state()?;
    let session = context::session().await?;
    let client = context::client_address().await?;
    crate::server::auth::sign_in(&state.pool, &session, client, &email, &password).await?;
    leptos_axum::redirect(&local_path_or_home(next.as_deref()));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    super::context::session().await?.sign_out().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Whether `code` opens first-run setup right now (no user yet, and the code is right).
#[server(prefix = "/rpc", endpoint = "setup_available")]
pub async fn setup_available(code: String) -> Result<bool, AppError> {
    let state = super::context::state()?;
    Ok(crate::server::accounts::setup_open(&state.pool, &code).await?)
}

/// Creates the organization and its first admin, then signs that admin in.
#[server(prefix = "/rpc", endpoint = "setup")]
pub async fn setup(
    code: String,
    organization_name: String,
    name: String,
    email: String,
    password: String,
    password_confirmation: String,
) -> Result<(), AppError> {
    use super::context;
    use crate::domain::{AllValid, Email, NewPassword, OrganizationName, PersonName};
    use crate::server::accounts;
    let state = context::state()?;
    let (organization, name, email, password, ()) = (
        OrganizationName::parse(&organization_name),
        PersonName::parse(&name),
        Email::parse(&email),
        NewPassword::strong(&password),
        NewPassword::matches(&password, &password_confirmation),
    )
        .all_valid()?;
    let admin = accounts::FirstAdmin { organization, name, email, password };
    let user_id = accounts::create_first_admin(&state.pool, &code, admin).await?;
    context::session().await?.sign_in(user_id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The invitation a code opens, if it is still pending.
#[server(prefix = "/rpc", endpoint = "invitation")]
pub async fn invitation(code: String) -> Result<Option<InvitationDetails>, AppError> {
    let state = super::context::state()?;
    let found = crate::server::members::invitation_for(&state.pool, &code).await?;
    Ok(found.map(|(invitation, organization_name)| InvitationDetails {
        name: invitation.name,
        email: invitation.email,
        role: invitation.role,
        organization_name,
    }))
}

/// Joins the organization through an invitation, then signs the new member in.
#[server(prefix = "/rpc", endpoint = "join")]
pub async fn join(code: String, name: String, password: String, password_confirmation: String) -> Result<(), AppError> {
    use super::context;
    use crate::domain::{AllValid, NewPassword, PersonName};
    let state = context::state()?;
    let (name, password, ()) = (
        PersonName::parse(&name),
        NewPassword::strong(&password),
        NewPassword::matches(&password, &password_confirmation),
    )
        .all_valid()?;
    let client = context::client_address().await?;
    let user_id = crate::server::members::accept(&state.pool, &code, name, password, client).await?;
    context::session().await?.sign_in(user_id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "current_account")]
pub async fn current_account() -> Result<Account, AppError> {
    let row = super::context::require_account().await?;
    Ok(Account {
        user_name: row.user_name.clone(),
        email: row.email.clone(),
        role: row.role,
        organization_name: row.organization_name.clone(),
    })
}

/// `next` as given to the sign-in page, if it is a path on this site; otherwise `/`.
/// Anything else (`//evil.example`, `https://…`, control characters) would be an open redirect.
pub fn local_path_or_home(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.chars().all(|c| c.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path_or_home;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(local_path_or_home(Some("/api_tokens?x=1")), "/api_tokens?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "/a b", "", "api_tokens"] {
            assert_eq!(local_path_or_home(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path_or_home(None), "/");
    }
}
