//! Who is calling: password sign-in with throttling, the session, and the signed-in account.

pub mod password;
mod session;
pub mod throttle;

use std::{net::IpAddr, sync::Arc};

pub use session::{delete_all_of as delete_sessions_of, AuthSession};

use super::{
    accounts::{self, repo, AccountRow, Actor},
    activity,
    caches::Caches,
    db,
    error::{ServiceError, ServiceResult},
};
use crate::domain::{Email, EventKind};

/// Checks the email and password and signs the user in. Every wrong combination gives the
/// same error, after the same amount of work, whether or not the email exists. The attempt
/// reserves a try for the email and the client address before the password is hashed (see
/// `throttle`), so parallel guesses cannot outrun the limit.
pub async fn sign_in(
    pool: &db::Pool,
    session: &AuthSession,
    client: IpAddr,
    email: &str,
    password: &str,
) -> ServiceResult<()> {
    let email = Email::parse(email)?;
    let (email_key, address_key) = (throttle::email_key(&email), throttle::address_key(client));
    let now = db::now();
    if let throttle::Reservation::Locked(seconds) =
        throttle::reserve(pool, &address_key, throttle::PER_ADDRESS, now).await?
    {
        return Err(ServiceError::RateLimited(seconds.max(1)));
    }
    if let throttle::Reservation::Locked(seconds) =
        throttle::reserve(pool, &email_key, throttle::PER_EMAIL, now).await?
    {
        // This attempt checked nothing: it does not count against the address.
        throttle::give_back(pool, &address_key).await?;
        return Err(ServiceError::RateLimited(seconds.max(1)));
    }

    let credentials = repo::find_credentials(pool, &email).await?;
    let user_id = credentials.as_ref().map(|c| c.user_id);
    let verified = match password::verify(password.to_owned(), credentials.map(|c| c.password_hash)).await {
        Ok(verified) => verified,
        Err(err) => {
            // Not the user's fault (overloaded, or a broken stored hash): the tries are given back.
            throttle::give_back(pool, &email_key).await?;
            throttle::give_back(pool, &address_key).await?;
            return Err(err.into());
        }
    };
    match user_id.filter(|_| verified) {
        Some(user_id) => {
            throttle::clear(pool, &email_key).await?;
            // People behind one address (a NAT, a proxy) signing in successfully do not use up
            // the address's tries.
            throttle::give_back(pool, &address_key).await?;
            session.sign_in(user_id).await?;
            repo::record_sign_in(pool, user_id, now).await?;
            if let Some(account) = repo::find_account(pool, user_id).await? {
                activity::record(pool, &Actor::member(&account, Some(client)), EventKind::SignedIn, "", "").await?;
            }
            tracing::info!(%user_id, "signed in");
            Ok(())
        }
        None => {
            // The reserved tries stay used: they are the failures.
            tracing::info!(%client, "sign-in failed");
            let member = match user_id {
                Some(id) => repo::find_account(pool, id).await?.map(|account| (id, account.user_name)),
                None => None,
            };
            if let Some(organization) = repo::find_organization(pool).await? {
                activity::record_failed_sign_in(pool, organization.id, member, client).await?;
            }
            Err(ServiceError::BadCredentials)
        }
    }
}

/// The session's signed-in account, if any. A session whose user is no longer a member is
/// ended.
pub async fn signed_in_account(
    pool: &db::Pool,
    caches: &Caches,
    session: &AuthSession,
) -> ServiceResult<Option<Arc<AccountRow>>> {
    let Some(user_id) = session.user_id().await? else { return Ok(None) };
    match accounts::find(pool, caches, user_id).await? {
        Some(account) => Ok(Some(account)),
        None => {
            session.sign_out().await?;
            Ok(None)
        }
    }
}
