//! Structured logs through `tracing`. The filter comes from `RUST_LOG` (default: info).
//!
//! Nothing secret is ever passed to a log macro: passwords, tokens and session ids are not
//! fields of any span or event. The one exception by design is the first-run setup URL,
//! which is how the person installing the console receives it.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn"));
    // `try_init` so tests that start several applications don't fight over the global subscriber.
    let _ = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
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
