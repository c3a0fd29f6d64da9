//! The `natter` binary: read the configuration, start the server, run until
//! SIGINT or SIGTERM.

/// mimalloc instead of glibc's malloc for Rust's allocations: a request
/// allocates and frees many small objects on one thread and the writer
/// frees what request threads allocated, and glibc took about a quarter of
/// the request threads' time in `malloc`/`free` under HTTP sends (merging
/// its fast bins on every larger allocation; `perf record`). Measured
/// against glibc, back to back: history pages +40%, HTTP sends +3–12%,
/// WebSocket sends +9% (BENCHMARKS.md, round 6). Built without transparent
/// huge pages, so an idle server stays small.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use natter::config::{self, Loaded};
use natter::App;

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("natter: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve())
}

async fn serve() -> std::process::ExitCode {
    // clap answers --help, --version and unknown flags itself (and exits).
    let matches = config::command().get_matches();
    let loaded = match Loaded::from_matches(&matches, &|name| std::env::var(name).ok()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("natter: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    if loaded.print {
        print!("{}", loaded.describe());
        return std::process::ExitCode::SUCCESS;
    }
    if let Some(("admin", sub)) = matches.subcommand() {
        let database = natter::storage::backend::DatabaseUrl::sqlite_file(
            loaded.config.database_url.as_ref(),
            &loaded.config.data_dir,
        );
        return match database {
            Ok(database) => admin(&loaded.config, &database, sub),
            Err(e) => {
                eprintln!("natter: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    natter::ops::logs::init(&loaded.config.log, loaded.config.log_format);
    match run(loaded.config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One sentence a person can act on, not a backtrace.
            eprintln!("natter: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: natter::Config) -> anyhow::Result<()> {
    let https = config.tls_cert.is_some() || !config.connections.trusted_proxies.is_empty();
    if let Some(warning) = natter::http::start_up_warning(config.public_url.as_deref(), https) {
        tracing::warn!("{warning}");
    }
    ignore_file_size_signal();
    let app = App::build(&config).await?;
    if let Some(tls) = app.tls() {
        reload_on_hangup(tls);
    }
    let scheme = if app.tls().is_some() { "https" } else { "http" };
    tracing::info!(address = %app.local_addr(), "natter is listening on {scheme}://{}", app.local_addr());
    app.run_until(stop_signal()).await
}

/// SQLite (C) still allocates with glibc's malloc, and glibc gives memory
/// back to the system as soon as the top of a heap has 128 KiB free, with
/// `madvise` — each such call interrupts every other core to flush its TLB.
/// The writer thread made ~4,700 of these calls a second under load
/// (`strace -c`, a third of its system time, when Rust's allocations were
/// glibc's too); with Rust's on mimalloc, dropping this tuning still cost
/// HTTP sends a quarter (31.1k/29.1k → 23.2k/21.2k a second). Keeping up to
/// 32 MiB free per heap, and serving allocations up to 4 MiB from the heaps
/// instead of fresh mappings, stops that; an idle server still starts small
/// because nothing has been freed yet.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` takes two plain integers and only changes malloc's
    // tuning parameters; it is called here before the runtime starts any
    // thread, so no allocation can run concurrently with it. Its return
    // value (0 on an unknown parameter) is ignored: the defaults are safe.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
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

/// SIGHUP reads the TLS certificate and key again (after a renewal); a
/// bad pair is logged and the one in force stays.
fn reload_on_hangup(tls: std::sync::Arc<natter::ops::tls::TlsFront>) {
    #[cfg(unix)]
    if let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    {
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match tls.reload() {
                    Ok(()) => tracing::info!("TLS certificate reloaded"),
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "TLS certificate not reloaded; keeping the one in force");
                    }
                }
            }
        });
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

/// `natter admin …`: acts on the database file (accounts, list, reset
/// links, export, import; see natter::ops::admin_cli) or on the data directory (backup, restore) and exits.
fn admin(
    config: &natter::Config,
    database: &std::path::Path,
    matches: &clap::ArgMatches,
) -> std::process::ExitCode {
    use natter::storage::sqlite::admin;
    let data_dir = config.data_dir.as_path();
    let done = match matches.subcommand() {
        Some((name, args)) if natter::ops::admin_cli::COMMANDS.contains(&name) => {
            natter::ops::admin_cli::run(database, config.public_url.as_deref(), name, args)
        }
        Some(("list-users", _)) => admin::list_users(database).map(|users| {
            for (name, role, deactivated) in users {
                let state = if deactivated { " (deactivated)" } else { "" };
                println!("{name}\t{role}{state}");
            }
        }),
        Some(("reset-password", args)) => {
            let name = args
                .get_one::<String>("username")
                .map_or("", String::as_str);
            let (made, code_hash) = natter::chat::MadeResetLink::generate();
            admin::create_reset_link(database, name, &code_hash, made.expires_at).map(|()| {
                let base = config.public_url.as_deref().unwrap_or("").trim_end_matches('/');
                println!(
                    "{base}/?reset={}\nA one-time link for {name} to choose a new password; it works for a day.",
                    made.code
                );
            })
        }
        Some(("backup", args)) => backup(data_dir, args),
        Some(("restore", args)) => restore(data_dir, args),
        _ => Err(anyhow::anyhow!(
            "unknown admin command; see natter admin --help"
        )),
    };
    match done {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("natter: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `natter admin backup --to FILE`: a consistent copy of a live data
/// directory (see natter::backup); the server may keep running.
fn backup(data_dir: &std::path::Path, args: &clap::ArgMatches) -> anyhow::Result<()> {
    use natter::backup::{create_backup, BackupSource};
    let to = args.get_one::<String>("to").map_or("", String::as_str);
    if !data_dir.join("natter.db").exists() {
        anyhow::bail!("there is no natter database in {}", data_dir.display());
    }
    let files = data_dir.join("files").is_dir().then(|| "files".to_owned());
    let manifest = create_backup(
        &BackupSource {
            data_dir: data_dir.to_owned(),
            database: "natter.db".into(),
            files_dir: files,
        },
        std::path::Path::new(to),
    )?;
    println!(
        "backed up {} (database {} bytes, {} files, {} bytes) to {to}",
        data_dir.display(),
        manifest.database_bytes,
        manifest.file_count,
        manifest.file_bytes
    );
    Ok(())
}

/// `natter admin restore --from FILE` into an empty `--data-dir`.
fn restore(data_dir: &std::path::Path, args: &clap::ArgMatches) -> anyhow::Result<()> {
    let from = args.get_one::<String>("from").map_or("", String::as_str);
    let manifest = natter::backup::restore_backup(
        std::path::Path::new(from),
        data_dir,
        natter::storage::sqlite::latest_version(),
    )?;
    println!(
        "restored the backup of {} into {}; start natter with --data-dir {}",
        manifest.created_at,
        data_dir.display(),
        data_dir.display()
    );
    Ok(())
}
