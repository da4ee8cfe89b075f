//! Who is calling: password sign-in with throttling, the session, and the signed-in account.

pub mod password;
mod session;
pub mod throttle;

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
pub use session::AuthSession;

use super::{
    accounts::{repo, AccountRow, Actor},
    db,
    error::internal,
    AppState,
};
use crate::api::{auth::Account, AppError};
use crate::domain::Email;

/// The address of the client calling the current server function.
pub async fn client_address() -> Result<IpAddr, AppError> {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>().await.map(|ConnectInfo(addr)| addr.ip()).map_err(internal)
}

/// Checks the email and password and signs the user in. Every wrong combination gives the
/// same error, after the same amount of work, whether or not the email exists. The attempt
/// reserves a try for the email and the client address before the password is hashed (see
/// `throttle`), so parallel guesses cannot outrun the limit.
pub async fn sign_in(
    state: &AppState,
    session: &AuthSession,
    client: IpAddr,
    email: &str,
    password: &str,
) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let (email_key, address_key) = (throttle::email_key(&email), throttle::address_key(client));
    let now = db::now();
    if let throttle::Reservation::Locked(seconds) =
        throttle::reserve(&state.pool, &address_key, throttle::PER_ADDRESS, now).await.map_err(internal)?
    {
        return Err(AppError::RateLimited(seconds.max(1)));
    }
    if let throttle::Reservation::Locked(seconds) =
        throttle::reserve(&state.pool, &email_key, throttle::PER_EMAIL, now).await.map_err(internal)?
    {
        // This attempt checked nothing: it does not count against the address.
        throttle::give_back(&state.pool, &address_key).await.map_err(internal)?;
        return Err(AppError::RateLimited(seconds.max(1)));
    }

    let credentials = repo::find_credentials(&state.pool, &email).await.map_err(internal)?;
    let user_id = credentials.as_ref().map(|c| c.user_id);
    let verified = match password::verify(password.to_owned(), credentials.map(|c| c.password_hash)).await {
        Ok(verified) => verified,
        Err(password::HashingError::Busy) => {
            // Not the user's fault: the try is given back.
            throttle::give_back(&state.pool, &email_key).await.map_err(internal)?;
            throttle::give_back(&state.pool, &address_key).await.map_err(internal)?;
            return Err(AppError::Busy);
        }
        Err(err) => return Err(internal(err)),
    };
    match user_id.filter(|_| verified) {
        Some(user_id) => {
            throttle::clear(&state.pool, &email_key).await.map_err(internal)?;
            // People behind one address (a NAT, a proxy) signing in successfully do not use up
            // the address's tries.
            throttle::give_back(&state.pool, &address_key).await.map_err(internal)?;
            session.sign_in(user_id).await?;
            tracing::info!(user_id, "signed in");
            Ok(())
        }
        None => {
            // The reserved tries stay used: they are the failures.
            tracing::info!(%client, "sign-in failed");
            Err(AppError::BadCredentials)
        }
    }
}

/// The signed-in account of the current server-function call, or `Unauthorized`.
/// A session whose user no longer exists is ended.
pub async fn require_account() -> Result<AccountRow, AppError> {
    let state = AppState::from_context()?;
    let session = AuthSession::from_context().await?;
    let user_id = session.user_id().await?.ok_or(AppError::Unauthorized)?;
    match repo::find_account(&state.pool, user_id).await.map_err(internal)? {
        Some(row) => Ok(row),
        None => {
            session.sign_out().await?;
            Err(AppError::Unauthorized)
        }
    }
}

/// The state and the acting user of the current server-function call.
pub async fn require_actor() -> Result<(AppState, Actor), AppError> {
    let account = require_account().await?;
    Ok((AppState::from_context()?, Actor::from(&account)))
}

pub async fn current_account() -> Result<Account, AppError> {
    let row = require_account().await?;
    Ok(Account {
        user_name: row.user_name,
        email: row.email,
        is_admin: row.is_admin,
        organization_name: row.organization_name,
    })
}
