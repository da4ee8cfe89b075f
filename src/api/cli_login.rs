//! The browser's side of a `bentoml cloud login` sign-in (see `server::cli_login`): the
//! confirmation page reads the request, and creates a Developer token for it or declines it.
//! The secret never reaches the browser: the CLI collects it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

/// Where a sign-in stands, as the page says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CliLoginStatus {
    Pending,
    /// The token exists; the CLI has not picked it up yet.
    Approved,
    Declined,
    /// The CLI has its token.
    Collected,
    Expired,
}

/// A sign-in request, for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CliLogin {
    pub status: CliLoginStatus,
    pub requested_at: i64,
    /// The address the CLI asked from.
    pub requested_from: String,
    pub expires_at: i64,
    pub answered_by: Option<String>,
    /// A name for the new token that no token has yet, like `bentoml CLI on 2026-11-25`.
    pub suggested_name: String,
    /// Whether the viewer's role may create the Developer token the CLI asks for.
    pub may_approve: bool,
    pub now: i64,
}

/// The sign-in `code` names; `None` when there is none.
#[server(prefix = "/rpc", endpoint = "find_cli_login")]
pub async fn find_cli_login(code: String) -> Result<Option<CliLogin>, AppError> {
    use crate::domain::time;
    use crate::server::{cli_login, db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let Some(login) = cli_login::find(&state.pool, &code).await? else { return Ok(None) };
    let now = db::now();
    let base = format!("bentoml CLI on {}", time::date(login.requested_at));
    let status = match login.status {
        cli_login::Status::Pending => CliLoginStatus::Pending,
        cli_login::Status::Approved => CliLoginStatus::Approved,
        cli_login::Status::Declined => CliLoginStatus::Declined,
        cli_login::Status::Collected => CliLoginStatus::Collected,
        cli_login::Status::Expired => CliLoginStatus::Expired,
    };
    Ok(Some(CliLogin {
        status,
        requested_at: login.requested_at,
        requested_from: login.requested_from,
        expires_at: login.expires_at,
        answered_by: login.answered_by,
        suggested_name: tokens::free_name(&state.pool, &actor, &base, now).await?,
        may_approve: actor.may(crate::domain::Permission::CreateDeveloperTokens),
        now,
    }))
}

/// Creates a Developer token for the sign-in `code`; the CLI collects it. A form posted
/// without JavaScript comes back to the same page, which then says so.
#[server(prefix = "/rpc", endpoint = "approve_cli_login")]
pub async fn approve_cli_login(
    code: String,
    name: String,
    description: String,
    expiration: String,
    expires_on: Option<String>,
    confirm_never: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::{Description, Expiration, TokenName, TokenTypes};
    use crate::server::{cli_login, db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let new = tokens::NewToken {
        name: TokenName::parse(&name)?,
        description: Description::parse(&description)?,
        types: TokenTypes::Developer,
        expiration: Expiration::parse(&expiration, expires_on.as_deref(), db::now())?
            .confirm_never(confirm_never.is_some())?,
        organization: false,
    };
    cli_login::approve(&state.pool, &actor, &code, new).await?;
    back_to_the_request(&code);
    Ok(())
}

/// Declines the sign-in `code`: the CLI gets no token.
#[server(prefix = "/rpc", endpoint = "decline_cli_login")]
pub async fn decline_cli_login(code: String) -> Result<(), AppError> {
    use crate::server::cli_login;
    let (state, actor) = super::context::require_actor().await?;
    cli_login::decline(&state.pool, &actor, &code).await?;
    back_to_the_request(&code);
    Ok(())
}

/// `/api_tokens?code=…`: where the confirmation page is.
pub fn request_href(code: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("code", code).finish();
    format!("/api_tokens?{query}")
}

#[cfg(feature = "ssr")]
fn back_to_the_request(code: &str) {
    if super::context::is_plain_form_post() {
        leptos_axum::redirect(&request_href(code));
    }
}
