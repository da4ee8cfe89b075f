//! First-run setup: while no user exists, a random one-time code printed to the log opens
//! `/setup?code=…`, where the installer creates the organization and the first admin.

use std::sync::{Arc, Mutex};

use rand::{distributions::Alphanumeric, Rng};
use subtle::ConstantTimeEq;

use super::error::{ServiceError, ServiceResult};

#[derive(Clone, Default)]
pub struct SetupCode(Arc<Mutex<Option<String>>>);

impl SetupCode {
    /// A fresh code (190 bits from the OS generator).
    pub fn generate() -> Self {
        let code: String = rand::rngs::OsRng.sample_iter(&Alphanumeric).take(32).map(char::from).collect();
        Self(Arc::new(Mutex::new(Some(code))))
    }

    /// No setup possible (users exist already).
    pub fn closed() -> Self {
        Self::default()
    }

    pub fn url(&self, public_url: &url::Url) -> Option<String> {
        let code = self.lock().clone()?;
        let mut url = public_url.join("setup").ok()?;
        url.query_pairs_mut().append_pair("code", &code);
        Some(url.into())
    }

    /// Constant-time comparison, so response times don't leak the code.
    pub fn matches(&self, candidate: &str) -> bool {
        self.lock().as_deref().is_some_and(|code| bool::from(code.as_bytes().ct_eq(candidate.as_bytes())))
    }

    /// Runs `create` if `candidate` is the code, consuming the code so that concurrent or
    /// repeated submissions cannot set the console up twice. On failure the code is put back
    /// so the installer can correct the form and try again.
    pub async fn complete<F, Fut>(&self, candidate: &str, create: F) -> ServiceResult<i64>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ServiceResult<i64>>,
    {
        let code = {
            let mut guard = self.lock();
            match guard.take() {
                Some(code) if bool::from(code.as_bytes().ct_eq(candidate.as_bytes())) => code,
                other => {
                    *guard = other;
                    return Err(ServiceError::Forbidden(SETUP_REFUSED.into()));
                }
            }
        };
        let result = create().await;
        if result.is_err() {
            *self.lock() = Some(code);
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A poisoned lock only means another request panicked mid-check; the value is intact.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub const SETUP_REFUSED: &str = "This setup link is invalid or has already been used. Sign in instead.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_code_matches() {
        let setup = SetupCode::generate();
        let url = setup.url(&url::Url::parse("http://127.0.0.1:3000").unwrap()).unwrap();
        let code = url.split("code=").nth(1).unwrap().to_owned();
        assert_eq!(code.len(), 32);
        assert!(setup.matches(&code));
        assert!(!setup.matches(&code[..31]));
        assert!(!setup.matches(""));
        assert!(!setup.matches(&code.to_lowercase()) || code == code.to_lowercase());
        assert!(!SetupCode::closed().matches(""));
    }

    #[tokio::test]
    async fn a_code_works_once_and_survives_a_failed_attempt() {
        let setup = SetupCode::generate();
        let code = setup.0.lock().unwrap().clone().unwrap();
        let refused = setup.complete("wrong", || async { Ok(1) }).await;
        assert!(matches!(refused, Err(ServiceError::Forbidden(message)) if message == SETUP_REFUSED));
        let failed = setup.complete(&code, || async { Err(ServiceError::Busy) }).await;
        assert!(matches!(failed, Err(ServiceError::Busy)));
        assert_eq!(setup.complete(&code, || async { Ok(7) }).await.unwrap(), 7);
        assert!(setup.complete(&code, || async { Ok(8) }).await.is_err(), "the code is spent");
        assert!(!setup.matches(&code));
    }
}
