//! Sign-in, sign-out, first-run setup and "who am I".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

/// The signed-in user and their organization, as the console shell shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub user_name: String,
    pub email: String,
    pub is_admin: bool,
    pub organization_name: String,
}

// `login`, `setup` and `setup_available` work without a session: `server::guard` lists their
// paths.

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
    use crate::domain::{Email, NewPassword, OrganizationName, PersonName};
    use crate::server::accounts;
    let state = context::state()?;
    let admin = accounts::FirstAdmin {
        organization: OrganizationName::parse(&organization_name)?,
        name: PersonName::parse(&name)?,
        email: Email::parse(&email)?,
        password: NewPassword::parse(&password, &password_confirmation)?,
    };
    let user_id = accounts::create_first_admin(&state.pool, &code, admin).await?;
    context::session().await?.sign_in(user_id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "current_account")]
pub async fn current_account() -> Result<Account, AppError> {
    let row = super::context::require_account().await?;
    Ok(Account {
        user_name: row.user_name,
        email: row.email,
        is_admin: row.is_admin,
        organization_name: row.organization_name,
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
