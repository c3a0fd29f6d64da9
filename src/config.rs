//! Configuration: defaults < TOML file (`--config`) < `NATTER_*` environment
//! < command-line flags. `Config::load` gives one clear sentence on bad input.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use serde::Deserialize;

use crate::chat::LimitSettings;
use crate::http::server::ConnectionLimits;
use crate::realtime::StreamSettings;

/// Natter: real-time team chat in one binary.
///
/// Every option can also be set with the environment variable shown, or in
/// a TOML file given with --config (keys as the long option names, with
/// underscores: listen, data_dir, ...).
#[derive(Debug, Parser, Default)]
#[command(name = "natter", version, about, long_about)]
pub struct Cli {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "NATTER_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Directory for the database and other data; created if missing [default: ./natter-data]
    #[arg(long, env = "NATTER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// TOML file with settings; flags and environment variables override it
    #[arg(long, env = "NATTER_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Make a password part of sign-up (otherwise picking a username is enough)
    #[arg(long, env = "NATTER_REQUIRE_PASSWORD", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub require_password: Option<bool>,

    /// Longest message, in characters [default: 4000]
    #[arg(long, env = "NATTER_MAX_MESSAGE_CHARS", value_name = "N")]
    pub max_message_chars: Option<usize>,

    /// The URL people reach this server at, e.g. https://chat.example.com.
    /// With https, session cookies are marked Secure; its origin may make
    /// state-changing requests; requests naming another host are refused (421).
    #[arg(long, env = "NATTER_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// Another origin allowed to make state-changing requests (repeatable;
    /// comma-separated in the environment variable)
    #[arg(
        long = "allowed-origin",
        env = "NATTER_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allowed_origins: Vec<String>,

    /// Largest request body in bytes [default: 65536]
    #[arg(long, env = "NATTER_MAX_BODY_BYTES", value_name = "N")]
    pub max_body_bytes: Option<usize>,

    /// Serve the web client from this folder instead of the copy built into
    /// the binary (for live editing of assets/)
    #[arg(long, env = "NATTER_ASSETS_DIR", value_name = "DIR")]
    pub assets_dir: Option<PathBuf>,

    /// Open connections one IP address may hold; 0 for no limit [default: 1000]
    #[arg(long, env = "NATTER_MAX_CONNECTIONS_PER_IP", value_name = "N")]
    pub max_connections_per_ip: Option<usize>,

    /// Seconds a client has to send a request's headers (slowloris guard) [default: 10]
    #[arg(long, env = "NATTER_HEADER_TIMEOUT", value_name = "SECS")]
    pub header_timeout: Option<u64>,

    /// Largest request head (request line and headers), in bytes [default: 16384]
    #[arg(long, env = "NATTER_MAX_HEADER_BYTES", value_name = "N")]
    pub max_header_bytes: Option<usize>,

    /// Seconds an HTTP connection may sit idle between requests [default: 75]
    #[arg(long, env = "NATTER_IDLE_TIMEOUT", value_name = "SECS")]
    pub idle_timeout: Option<u64>,

    /// Rate limits on sign-up, sign-in and sending (turn off only for load tests) [default: true]
    #[arg(long, env = "NATTER_RATE_LIMITS", value_name = "BOOL")]
    pub rate_limits: Option<bool>,

    /// Sign-ups allowed per IP address per hour [default: 30]
    #[arg(long, env = "NATTER_SIGN_UPS_PER_HOUR", value_name = "N")]
    pub sign_ups_per_hour: Option<u32>,

    /// Sign-in attempts allowed per IP address per minute [default: 20]
    #[arg(long, env = "NATTER_SIGN_INS_PER_MINUTE", value_name = "N")]
    pub sign_ins_per_minute: Option<u32>,

    /// Messages one user may send per second, sustained (bursts of 3 s worth) [default: 10]
    #[arg(long, env = "NATTER_SENDS_PER_SECOND", value_name = "N")]
    pub sends_per_second: Option<u32>,

    /// Seconds to finish in-flight work after SIGTERM before exiting [default: 10]
    #[arg(long, env = "NATTER_SHUTDOWN_TIMEOUT", value_name = "SECS")]
    pub shutdown_timeout: Option<u64>,

    /// Stream: frames that may wait for one connection before it is cut off [default: 1024]
    #[arg(long, env = "NATTER_WS_QUEUE", value_name = "N")]
    pub ws_queue: Option<usize>,

    /// Stream: largest message a client may send, in bytes (larger closes with 1009) [default: 65536]
    #[arg(long, env = "NATTER_WS_MAX_MESSAGE_BYTES", value_name = "N")]
    pub ws_max_message_bytes: Option<usize>,

    /// Stream: seconds between the server's pings [default: 20]
    #[arg(long, env = "NATTER_WS_PING_SECS", value_name = "SECS")]
    pub ws_ping_secs: Option<u64>,

    /// Stream: seconds of silence after which a connection counts as dead [default: 60]
    #[arg(long, env = "NATTER_WS_IDLE_TIMEOUT", value_name = "SECS")]
    pub ws_idle_timeout: Option<u64>,

    /// Stream: live connections one user may hold at once [default: 20]
    #[arg(long, env = "NATTER_WS_MAX_PER_USER", value_name = "N")]
    pub ws_max_per_user: Option<usize>,

    /// Stream: most events replayed per room on resume; beyond it the client is told to resync [default: 1000]
    #[arg(long, env = "NATTER_MAX_REPLAY", value_name = "N")]
    pub max_replay: Option<u32>,
}

/// The same settings as they may appear in the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    require_password: Option<bool>,
    max_message_chars: Option<usize>,
    public_url: Option<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    max_body_bytes: Option<usize>,
    assets_dir: Option<PathBuf>,
    rate_limits: Option<bool>,
    sign_ups_per_hour: Option<u32>,
    sign_ins_per_minute: Option<u32>,
    sends_per_second: Option<u32>,
    max_connections_per_ip: Option<usize>,
    header_timeout: Option<u64>,
    max_header_bytes: Option<usize>,
    idle_timeout: Option<u64>,
    shutdown_timeout: Option<u64>,
    ws_queue: Option<usize>,
    ws_max_message_bytes: Option<usize>,
    ws_ping_secs: Option<u64>,
    ws_idle_timeout: Option<u64>,
    ws_max_per_user: Option<usize>,
    max_replay: Option<u32>,
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub require_password: bool,
    pub max_message_chars: usize,
    pub public_url: Option<String>,
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub assets_dir: Option<PathBuf>,
    pub limits: LimitSettings,
    pub connections: ConnectionLimits,
    pub shutdown_timeout: Duration,
    pub stream: StreamSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("natter-data"),
            require_password: false,
            max_message_chars: 4000,
            public_url: None,
            allowed_origins: Vec::new(),
            max_body_bytes: 64 * 1024,
            assets_dir: None,
            limits: LimitSettings::default(),
            connections: ConnectionLimits::default(),
            shutdown_timeout: Duration::from_secs(10),
            stream: StreamSettings::default(),
        }
    }
}

impl Config {
    /// Layers the file (if any) under the flags and environment.
    pub fn load(cli: Cli) -> anyhow::Result<Self> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let d = Config::default();
        let mut config = Config {
            listen: cli.listen.or(file.listen).unwrap_or(d.listen),
            data_dir: cli.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            require_password: cli
                .require_password
                .or(file.require_password)
                .unwrap_or(d.require_password),
            max_message_chars: cli
                .max_message_chars
                .or(file.max_message_chars)
                .unwrap_or(d.max_message_chars),
            public_url: cli.public_url.or(file.public_url),
            allowed_origins: if cli.allowed_origins.is_empty() {
                file.allowed_origins
            } else {
                cli.allowed_origins
            },
            max_body_bytes: cli
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(d.max_body_bytes),
            assets_dir: cli.assets_dir.or(file.assets_dir),
            limits: LimitSettings {
                enabled: cli
                    .rate_limits
                    .or(file.rate_limits)
                    .unwrap_or(d.limits.enabled),
                sign_ups_per_hour: cli
                    .sign_ups_per_hour
                    .or(file.sign_ups_per_hour)
                    .unwrap_or(d.limits.sign_ups_per_hour),
                sign_ins_per_minute: cli
                    .sign_ins_per_minute
                    .or(file.sign_ins_per_minute)
                    .unwrap_or(d.limits.sign_ins_per_minute),
                sends_per_second: cli
                    .sends_per_second
                    .or(file.sends_per_second)
                    .unwrap_or(d.limits.sends_per_second),
            },
            connections: ConnectionLimits {
                max_per_ip: cli
                    .max_connections_per_ip
                    .or(file.max_connections_per_ip)
                    .unwrap_or(d.connections.max_per_ip),
                header_read_timeout: cli
                    .header_timeout
                    .or(file.header_timeout)
                    .map_or(d.connections.header_read_timeout, Duration::from_secs),
                max_header_bytes: cli
                    .max_header_bytes
                    .or(file.max_header_bytes)
                    .unwrap_or(d.connections.max_header_bytes),
                idle_timeout: cli
                    .idle_timeout
                    .or(file.idle_timeout)
                    .map_or(d.connections.idle_timeout, Duration::from_secs),
            },
            shutdown_timeout: cli
                .shutdown_timeout
                .or(file.shutdown_timeout)
                .map_or(d.shutdown_timeout, Duration::from_secs),
            stream: StreamSettings {
                queue_bound: cli
                    .ws_queue
                    .or(file.ws_queue)
                    .unwrap_or(d.stream.queue_bound),
                max_message_bytes: cli
                    .ws_max_message_bytes
                    .or(file.ws_max_message_bytes)
                    .unwrap_or(d.stream.max_message_bytes),
                ping_interval: cli
                    .ws_ping_secs
                    .or(file.ws_ping_secs)
                    .map_or(d.stream.ping_interval, Duration::from_secs),
                idle_timeout: cli
                    .ws_idle_timeout
                    .or(file.ws_idle_timeout)
                    .map_or(d.stream.idle_timeout, Duration::from_secs),
                max_replay: cli
                    .max_replay
                    .or(file.max_replay)
                    .unwrap_or(d.stream.max_replay),
                max_per_user: cli
                    .ws_max_per_user
                    .or(file.ws_max_per_user)
                    .unwrap_or(d.stream.max_per_user),
                ..d.stream
            },
        };
        if !config.limits.enabled {
            // The stream's command budget is a rate limit too.
            config.stream.commands_per_second = 0;
        }
        config.check()?;
        Ok(config)
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
        if let Some(dir) = &self.assets_dir {
            if !dir.join("welcome.html").is_file() {
                anyhow::bail!(
                    "--assets-dir {} does not hold the web client (no welcome.html)",
                    dir.display()
                );
            }
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                anyhow::bail!("--public-url must start with http:// or https:// (got {url})");
            }
        }
        Ok(())
    }

    /// Cookies get `Secure` when people reach us over HTTPS.
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

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("the config file {} is not valid", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("natter.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nmax_message_chars = 100\n",
        )
        .unwrap();
        let cli = Cli {
            config: Some(file),
            max_message_chars: Some(200),
            ..Cli::default()
        };
        let config = Config::load(cli).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_message_chars, 200);
        assert_eq!(config.data_dir, PathBuf::from("natter-data"));
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_not_silence() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("natter.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let err = Config::load(Cli {
            config: Some(file),
            ..Cli::default()
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("not valid"));
    }

    #[test]
    fn https_public_url_makes_cookies_secure_and_trusts_its_origin() {
        let config = Config {
            public_url: Some("https://chat.example.com/x".into()),
            ..Config::default()
        };
        assert!(config.secure_cookies());
        assert_eq!(
            config.trusted_origins(),
            vec!["https://chat.example.com".to_owned()]
        );
    }
}
