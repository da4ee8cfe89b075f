//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//! Hashing takes tens of milliseconds of CPU, so it always runs on the blocking pool, and only
//! a few hashes run at once: each holds 19 MiB, and a burst of sign-ins (from many addresses,
//! which the per-address throttle does not stop) would otherwise cost memory without bound.

use std::{sync::LazyLock, time::Duration};

use anyhow::Context;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

use crate::domain::NewPassword;
use crate::server::telemetry::spawn_blocking_with_tracing;

/// Hashes running at once: one per core keeps every core busy and memory at a few times
/// 19 MiB.
static HASHING_SLOTS: LazyLock<usize> =
    LazyLock::new(|| std::thread::available_parallelism().map_or(2, |n| n.get()).max(2));
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| tokio::sync::Semaphore::new(*HASHING_SLOTS));

/// A hash that cannot start within this time is refused: the server is overloaded, and
/// queueing more would only make every sign-in slower.
const HASHING_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("too many password checks are waiting")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn with_hashing_slot<R: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<R> + Send + 'static,
) -> Result<R, HashingError> {
    let _slot = tokio::time::timeout(HASHING_QUEUE_TIMEOUT, HASHING.acquire())
        .await
        .map_err(|_| HashingError::Busy)?
        .map_err(|err| HashingError::Failed(err.into()))?;
    Ok(spawn_blocking_with_tracing(work).await??)
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("BUG: OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified when the email is unknown, so a wrong email costs the same time as a wrong
/// password and response times don't reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("not a real password").expect("BUG: hashing a constant works"));

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|err| anyhow::anyhow!("argon2: {err}"))?.to_string())
}

pub async fn hash(password: NewPassword) -> Result<String, HashingError> {
    with_hashing_slot(move || hash_blocking(password.expose()).context("could not hash the password")).await
}

/// Checks `candidate` against `stored`, or against a dummy hash when there is no stored hash
/// (unknown user), taking the same time either way. The comparison inside argon2 is constant-time.
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, HashingError> {
    with_hashing_slot(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed =
            PasswordHash::new(&stored).map_err(|err| anyhow::anyhow!("stored password hash is malformed: {err}"))?;
        // Verify with the parameters recorded in the hash, so older hashes keep working if the
        // defaults above are raised later.
        let matches = Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_password(raw: &str) -> NewPassword {
        NewPassword::parse(raw, raw).unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let first = hash(new_password("correct horse battery")).await.unwrap();
        let second = hash(new_password("correct horse battery")).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(!first.contains("horse"));
        assert!(verify("correct horse battery".into(), Some(first.clone())).await.unwrap());
        assert!(!verify("correct horse batterY".into(), Some(first)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!verify("not a real password".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_a_few_hashes_run_at_once() {
        use std::sync::{
            atomic::{AtomicUsize, Ordering},
            Arc,
        };
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let checks: Vec<_> = (0..*HASHING_SLOTS * 4)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(with_hashing_slot(move || {
                    peak.fetch_max(running.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                }))
            })
            .collect();
        for check in checks {
            check.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), *HASHING_SLOTS);
    }

    #[tokio::test]
    async fn malformed_stored_hash_is_an_error_not_a_match() {
        assert!(verify("x".into(), Some("plaintext".into())).await.is_err());
    }
}
