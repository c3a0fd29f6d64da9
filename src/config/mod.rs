//! Configuration: defaults < TOML file (`--config`) < `NATTER_*`
//! environment < command-line flags; one clear sentence on bad input;
//! `--print-config` shows each setting with where it came from.
//!
//! # Adding an option
//! Every option is declared once, in `options.rs`: a doc comment (its
//! `--help` text), its name (the TOML key; the flag is the name with
//! dashes, the environment variable `NATTER_` and the name in capitals),
//! the type a person writes, the default, and the place in [`Config`] it
//! goes to:
//!
//! ```text
//! /// Largest upload, in bytes
//! max_upload_bytes: usize = 10 << 20 => files.max_upload_bytes;
//! ```
//!
//! Then give [`Config`] (or the settings struct it holds) the field, add a
//! row to README's options table (a test checks it is there), and, if some
//! values are wrong together, say so in `Config::check`. Types: any
//! [`value::Scalar`] (numbers, `bool` — a switch —, `String`, `PathBuf`,
//! `SocketAddr`, `Secs` for a duration, `Secret` for what must never be
//! shown), `Option<T>` for "may be unset" and `Vec<T>` for a list (a
//! repeatable flag, comma-separated in the environment, an array in the
//! file). A new kind of value implements `Scalar` in `value.rs`.

mod layers;
mod operations;
mod options;
pub mod value;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use layers::{command, Loaded, Source};
pub use operations::operations_commands;

use value::Secret;

use crate::chat::LimitSettings;
use crate::http::server::ConnectionLimits;
use crate::ops::logs::LogFormat;
use crate::realtime::StreamSettings;

/// The settings in force. Defaults are the table's (`options.rs`); fields
/// that are not options keep their settings struct's own default.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The backend and where it keeps the data (`None`: SQLite in `data_dir`).
    pub database_url: Option<crate::storage::backend::DatabaseUrl>,
    /// The only node on a PostgreSQL database (no bus needed).
    pub single_node: bool,
    pub require_password: bool,
    pub max_message_chars: usize,
    pub public_url: Option<String>,
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Attachments: largest file, each user's quota, and how long an upload
    /// may wait to be sent before the sweep removes it.
    pub max_upload_bytes: u64,
    pub upload_quota_bytes: u64,
    pub orphan_upload_age: Duration,
    /// A session unused this long ends.
    pub session_idle: Duration,
    pub assets_dir: Option<PathBuf>,
    pub limits: LimitSettings,
    pub connections: ConnectionLimits,
    pub shutdown_timeout: Duration,
    pub stream: StreamSettings,
    /// The log filter (`tracing_subscriber::EnvFilter` syntax).
    pub log: String,
    pub log_format: LogFormat,
    /// A listener of its own for `/metrics` (no token there).
    pub metrics_listen: Option<SocketAddr>,
    /// Scrapers presenting it may read `/metrics` on the main listener.
    pub metrics_token: Option<Secret>,
    /// HTTPS on `listen` with this certificate chain and key (both PEM).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Plain HTTP here answers with a redirect to HTTPS.
    pub http_redirect_listen: Option<SocketAddr>,
    /// Outgoing requests (Web Push): allowed private blocks, extra roots, contact.
    pub outbound: crate::notify::OutboundSettings,
}

impl Default for Config {
    fn default() -> Self {
        // Each option's default is set by the table just below; these are
        // only the shape for it to fill.
        let mut config = Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: PathBuf::new(),
            database_url: None,
            single_node: false,
            require_password: false,
            max_message_chars: 0,
            public_url: None,
            allowed_origins: Vec::new(),
            max_body_bytes: 0,
            max_upload_bytes: 0,
            upload_quota_bytes: 0,
            orphan_upload_age: Duration::ZERO,
            session_idle: Duration::ZERO,
            assets_dir: None,
            limits: LimitSettings::default(),
            connections: ConnectionLimits::default(),
            shutdown_timeout: Duration::ZERO,
            stream: StreamSettings::default(),
            log: String::new(),
            log_format: LogFormat::Text,
            metrics_listen: None,
            metrics_token: None,
            tls_cert: None,
            tls_key: None,
            http_redirect_listen: None,
            outbound: crate::notify::OutboundSettings::default(),
        };
        for opt in options::all() {
            (opt.reset)(&mut config);
        }
        config
    }
}

impl Config {
    /// Settings from these command-line arguments (the first is the
    /// program's name) and environment, for tests and tools; `natter`
    /// itself lets clap print help and usage errors.
    pub fn from_args<I, T>(args: I, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Loaded>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = command()
            .try_get_matches_from(args)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Loaded::from_matches(&matches, env)
    }

    /// Derived settings, then the checks of values that are wrong together.
    fn finish(&mut self) -> anyhow::Result<()> {
        if !self.limits.enabled {
            // The stream's command budget is a rate limit too.
            self.stream.commands_per_second = 0;
        }
        self.check()
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.max_message_chars == 0 {
            anyhow::bail!("--max-message-chars must be at least 1");
        }
        if self.stream.queue_bound == 0 || self.stream.max_replay == 0 {
            anyhow::bail!("--ws-queue and --max-replay must be at least 1");
        }
        if self.stream.max_message_bytes < 1024 {
            anyhow::bail!("--ws-max-message-bytes must be at least 1024");
        }
        if self.stream.ping_interval.is_zero()
            || self.stream.idle_timeout <= self.stream.ping_interval
        {
            anyhow::bail!("--ws-idle-timeout must be longer than --ws-ping-secs, and both above 0");
        }
        if self.max_body_bytes < 1024 {
            anyhow::bail!("--max-body-bytes must be at least 1024");
        }
        if self.session_idle.is_zero() {
            anyhow::bail!("--session-idle-secs must be at least 1");
        }
        if let Some(dir) = &self.assets_dir {
            if !dir.join("welcome.html").is_file() {
                anyhow::bail!(
                    "--assets-dir {} does not hold the web client (no welcome.html)",
                    dir.display()
                );
            }
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            anyhow::bail!("--tls-cert and --tls-key go together: give both or neither");
        }
        if self.http_redirect_listen.is_some() && self.tls_cert.is_none() {
            anyhow::bail!("--http-redirect-listen redirects to our HTTPS, so it needs --tls-cert and --tls-key");
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            anyhow::bail!("--log {:?} is not a log filter: {e}", self.log);
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                anyhow::bail!("--public-url must start with http:// or https:// (got {url})");
            }
        }
        self.outbound.check()?;
        Ok(())
    }

    /// Cookies get `Secure` when people reach us over HTTPS (each request
    /// that comes over HTTPS gets them too: see `http::ops`).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// Origins besides the server's own that may make state-changing requests.
    pub fn trusted_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        if let Some(url) = &self.public_url {
            origins.push(origin_of(url));
        }
        origins
    }
}

/// `https://chat.example.com/path` -> `https://chat.example.com`.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url[..after_scheme + i].to_owned(),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
