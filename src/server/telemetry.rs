//! Structured logs through `tracing`. The filter comes from `RUST_LOG` (default: info).
//!
//! Every request runs in a `request` span (see `listen::entrance`) with its id, the client's
//! address, the method, the route or deployment, and the display prefix of the token that
//! identified the caller; each request's access-log line is an event of target `access`
//! (`RUST_LOG=info,access=off` silences them).
//!
//! Nothing secret is ever passed to a log macro: passwords, tokens and session ids are not
//! fields of any span or event (a token's display prefix, like `bcst_AbCd`, is what the
//! console itself shows in lists). The one exception by design is the first-run setup URL,
//! which is how the person installing the console receives it.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn"));
    // `try_init` so tests that start several applications don't fight over the global subscriber.
    // Colours only on a terminal: escape codes in journald or a log file get in the way of grep.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).with_ansi(ansi).try_init();
}

/// How much of a token its display prefix is: `bcst_` and 4 characters, as
/// `TokenSecret::display_prefix` shows it.
const TOKEN_DISPLAY_LEN: usize = crate::server::tokens::secret::PREFIX.len() + 4;

/// The request's span, in the request's extensions for code that runs inside other spans
/// (the session layer enters its own), so it can still record on the request's.
#[derive(Clone)]
pub struct RequestSpan(pub tracing::Span);

/// Records, on the request's span, the display prefix of a token that has just identified its
/// caller. Call it only after verification: only then is `presented` a token.
pub fn record_token(span: &tracing::Span, presented: &str) {
    if let Some(prefix) = presented.get(..TOKEN_DISPLAY_LEN) {
        span.record("token", tracing::field::display(prefix));
    }
}

/// Runs blocking work (argon2) on the blocking pool while keeping the caller's span.
pub async fn spawn_blocking_with_tracing<F, R>(f: F) -> anyhow::Result<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    Ok(tokio::task::spawn_blocking(move || span.in_scope(f)).await?)
}

#[cfg(test)]
mod tests {
    use crate::server::tokens::secret::TokenSecret;

    #[test]
    fn the_recorded_prefix_is_the_display_prefix() {
        let token = TokenSecret::generate();
        assert_eq!(&token.expose()[..super::TOKEN_DISPLAY_LEN], token.display_prefix());
    }
}
