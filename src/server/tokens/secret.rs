//! The token format: `bcst_` + 43 base62 characters from the OS CSPRNG (256 bits) + a 6
//! character base62 CRC32 of everything before it.
//!
//! The prefix makes leaked tokens easy to find with a secret scanner; the checksum rejects
//! mistyped or truncated tokens without touching the database. Only the SHA-256 digest is
//! stored: 256 random bits need no slow hash (NIST SP 800-63B allows an approved one-way hash
//! for secrets of at least 112 bits), so verification stays cheap.

use rand::{distributions::Alphanumeric, rngs::OsRng, Rng};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "bcst_";
const RANDOM_CHARS: usize = 43; // 43 * log2(62) = 256.04 bits
const CHECKSUM_CHARS: usize = 6; // 62^6 > 2^32
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_CHARS + CHECKSUM_CHARS;
/// How much of a token is shown in lists to tell tokens apart: the prefix and 4 random
/// characters (24 bits, useless for guessing the other 232).
const DISPLAY_CHARS: usize = PREFIX.len() + 4;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A token in plain form. It exists only between creation and the one response that reveals
/// it, and while a presented token is being verified. No `Serialize`, a redacting `Debug`.
pub struct TokenSecret(String);

/// SHA-256 of the token: what the database stores and looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenDigest(pub [u8; 32]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed token")]
pub struct Malformed;

impl TokenSecret {
    pub fn generate() -> Self {
        let mut token = String::with_capacity(TOKEN_LEN);
        token.push_str(PREFIX);
        token.extend(OsRng.sample_iter(&Alphanumeric).take(RANDOM_CHARS).map(char::from));
        let checksum = checksum(&token);
        token.push_str(&checksum);
        Self(token)
    }

    /// Checks the shape and checksum of a presented token; no database involved.
    pub fn parse(presented: &str) -> Result<Self, Malformed> {
        if presented.len() != TOKEN_LEN || !presented.starts_with(PREFIX) {
            return Err(Malformed);
        }
        let (body, check) = presented.split_at(TOKEN_LEN - CHECKSUM_CHARS);
        if !body[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Malformed);
        }
        if checksum(body).as_bytes() != check.as_bytes() {
            return Err(Malformed);
        }
        Ok(Self(presented.to_owned()))
    }

    pub fn digest(&self) -> TokenDigest {
        TokenDigest(Sha256::digest(self.0.as_bytes()).into())
    }

    /// The non-secret beginning shown in lists, e.g. `bcst_AbCd`.
    pub fn display_prefix(&self) -> &str {
        &self.0[..DISPLAY_CHARS]
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenSecret({}…)", self.display_prefix())
    }
}

fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes());
    let mut out = [b'0'; CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("BUG: base62 is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_round_trip() {
        let token = TokenSecret::generate();
        assert_eq!(token.expose().len(), TOKEN_LEN);
        assert!(token.expose().starts_with("bcst_"));
        let parsed = TokenSecret::parse(token.expose()).unwrap();
        assert_eq!(parsed.digest(), token.digest());
        assert_eq!(token.display_prefix().len(), 9);
        assert!(!format!("{token:?}").contains(&token.expose()[9..]), "Debug hides the secret");
    }

    #[test]
    fn tokens_are_unique_and_digests_differ() {
        let (a, b) = (TokenSecret::generate(), TokenSecret::generate());
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.digest(), b.digest());
    }

    #[test]
    fn tampered_truncated_and_foreign_tokens_are_malformed() {
        let token = TokenSecret::generate().expose().to_owned();
        let mut tampered = token.clone().into_bytes();
        tampered[10] = if tampered[10] == b'a' { b'b' } else { b'a' };
        let tampered = String::from_utf8(tampered).unwrap();
        let mut bad_check = token.clone();
        bad_check.replace_range(TOKEN_LEN - 1.., if token.ends_with('0') { "1" } else { "0" });
        for bad in [
            tampered.as_str(),
            bad_check.as_str(),
            &token[..TOKEN_LEN - 1],
            &format!("{token}x"),
            &token.replacen("bcst_", "ghp__", 1),
            "",
            "Bearer",
            &format!("bcst_{}", "-".repeat(49)),
        ] {
            assert!(TokenSecret::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digest_is_sha256_of_the_token() {
        let token = TokenSecret::parse(TokenSecret::generate().expose()).unwrap();
        let expected: [u8; 32] = Sha256::digest(token.expose().as_bytes()).into();
        assert_eq!(token.digest().0, expected);
    }
}
