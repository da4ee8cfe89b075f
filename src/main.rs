use std::process::ExitCode;

use bento_console::server::{cli, telemetry};
use clap::Parser;

/// glibc's allocator spends a measurable share of each proxied request in locking and
/// consolidation across threads; mimalloc's per-thread heaps do not (see benches/gateway-load.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
