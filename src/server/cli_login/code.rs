//! The code of one CLI sign-in: what the CLI holds, what the database stores (its digest), and
//! the key that seals the new token's secret until the CLI collects it.

use aes_gcm::{
    aead::{Aead, KeyInit},
    Aes256Gcm, Nonce,
};
use rand::{distributions::Alphanumeric, rngs::OsRng, Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::server::tokens::secret::TokenSecret;

/// 32 characters from the OS generator: 190 random bits.
const LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// Keeps the sealing key apart from the digest stored next to the sealed secret.
const KEY_CONTEXT: &[u8] = b"bento-console cli-login sealing key v1\0";

/// A sign-in code. No `Serialize`; its `Debug` shows nothing of it.
pub struct LoginCode(String);

impl LoginCode {
    pub fn generate() -> Self {
        Self(OsRng.sample_iter(&Alphanumeric).take(LEN).map(char::from).collect())
    }

    /// A presented code, if it has the shape of one (otherwise it cannot exist).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (raw.len() == LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks the sign-in up by.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    /// `secret` encrypted and authenticated with this code's key: nonce, then ciphertext.
    pub fn seal(&self, secret: &TokenSecret) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), secret.expose().as_bytes())
            .map_err(|_| anyhow::anyhow!("could not seal a token secret"))?;
        Ok([&nonce[..], &ciphertext].concat())
    }

    /// The secret [`seal`](Self::seal) sealed with this code; `None` if it was sealed with
    /// another code or altered.
    pub fn open(&self, sealed: &[u8]) -> Option<TokenSecret> {
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN)?;
        let plain = self.cipher().decrypt(Nonce::from_slice(nonce), ciphertext).ok()?;
        TokenSecret::parse(std::str::from_utf8(&plain).ok()?).ok()
    }

    fn cipher(&self) -> Aes256Gcm {
        let key: [u8; 32] = Sha256::new().chain_update(KEY_CONTEXT).chain_update(self.0.as_bytes()).finalize().into();
        Aes256Gcm::new(&key.into())
    }
}

impl std::fmt::Debug for LoginCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_random_and_parsed_strictly() {
        let code = LoginCode::generate();
        assert_eq!(code.expose().len(), 32);
        assert_ne!(code.expose(), LoginCode::generate().expose());
        assert!(LoginCode::parse(code.expose()).is_some());
        for bad in ["", "short", &"a".repeat(33), &format!("{}!", &"a".repeat(31))] {
            assert!(LoginCode::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(format!("{code:?}"), "LoginCode(…)");
    }

    #[test]
    fn only_the_same_code_opens_what_it_sealed() {
        let (code, secret) = (LoginCode::generate(), TokenSecret::generate());
        let sealed = code.seal(&secret).unwrap();
        assert!(!sealed.windows(8).any(|w| secret.expose().as_bytes().windows(8).any(|s| s == w)));
        assert_eq!(code.open(&sealed).unwrap().expose(), secret.expose());
        assert!(LoginCode::generate().open(&sealed).is_none(), "another code");
        let mut altered = sealed.clone();
        altered[20] ^= 1;
        assert!(code.open(&altered).is_none(), "altered");
        assert!(code.open(&sealed[..5]).is_none(), "truncated");
        assert_ne!(code.digest()[..], Sha256::digest([KEY_CONTEXT, code.expose().as_bytes()].concat())[..]);
    }
}
