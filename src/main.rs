//! The `natter` binary: read the configuration, start the server, run until
//! SIGINT or SIGTERM.

use clap::Parser;
use natter::{App, Cli, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("NATTER_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One sentence a person can act on, not a backtrace.
            eprintln!("natter: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let config = Config::load(Cli::parse())?;
    ignore_file_size_signal();
    let app = App::build(&config).await?;
    tracing::info!(address = %app.local_addr(), "natter is listening on http://{}", app.local_addr());
    app.run_until(stop_signal()).await
}

/// A write past the file-size limit (RLIMIT_FSIZE) raises SIGXFSZ, which
/// would kill the process. With a handler installed the write fails with
/// EFBIG instead, and the server answers 503 like on a full disk.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(25)) {
        tokio::spawn(async move { while s.recv().await.is_some() {} });
    }
}

async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stopping");
}
