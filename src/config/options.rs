//! The options: each declared once, here. See the top of `config/mod.rs`
//! for how to add one.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::value::{Secret, Secs, Value};
use super::Config;
use crate::bus::BusUrl;
use crate::ops::logs::LogFormat;
use crate::ops::proxy::Cidr;
use crate::storage::backend::DatabaseUrl;

/// One option: its names everywhere, its help, and how it reads, writes
/// and resets its place in [`Config`].
pub struct Opt {
    /// The TOML key; the flag is `--` and this with dashes (unless
    /// `flag` says otherwise), the variable `NATTER_` and this in capitals.
    pub name: &'static str,
    flag: Option<&'static str>,
    pub help: &'static str,
    pub metavar: &'static str,
    pub list: bool,
    pub switch: bool,
    pub secret: bool,
    /// Parses the texts given and stores the value.
    pub set: fn(&mut Config, &[String]) -> Result<(), String>,
    /// The value in force, as TOML (`None`: not set).
    pub show: fn(&Config) -> Option<String>,
    /// Stores the default.
    pub reset: fn(&mut Config),
}

impl Opt {
    pub fn flag(&self) -> String {
        self.flag
            .map_or_else(|| self.name.replace('_', "-"), str::to_owned)
    }

    pub fn env(&self) -> String {
        format!("NATTER_{}", self.name.to_ascii_uppercase())
    }
}

/// `name [("flag")]: Type [["METAVAR"]] = default => place.in.config;`
/// with its help as doc comments. `Type` is what a person writes (`Secs` for a duration);
/// the place may hold anything it converts into.
macro_rules! options {
    ($(
        $(#[doc = $help:literal])+
        $name:ident $(($flag:literal))? : $ty:ty $([$metavar:literal])? = $default:expr => $($place:ident).+ ;
    )*) => {
        /// Every option, in `--help` order.
        pub fn all() -> Vec<Opt> {
            vec![$(Opt {
                name: stringify!($name),
                flag: None $(.or(Some($flag)))?,
                help: concat!($($help, "\n"),+),
                metavar: [$($metavar,)? <$ty as Value>::METAVAR][0],
                list: <$ty as Value>::LIST,
                switch: <$ty as Value>::SWITCH,
                secret: <$ty as Value>::SECRET,
                set: |config, texts| {
                    let value: $ty = Value::parse(texts)?;
                    config.$($place).+ = value.into();
                    Ok(())
                },
                show: |config| {
                    let value: $ty = config.$($place).+.clone().into();
                    value.show()
                },
                reset: |config| {
                    let value: $ty = $default;
                    config.$($place).+ = value.into();
                },
            }),*]
        }
    };
}

options! {
    /// Address to listen on
    listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)) => listen;
    /// Directory for the database and other data; created if missing
    data_dir: PathBuf ["DIR"] = PathBuf::from("natter-data") => data_dir;
    /// Where messages and accounts are kept: sqlite://PATH (a database
    /// file; without this option, natter.db in the data directory) or
    /// postgres://USER@HOST/DB (a PostgreSQL database; give --single-node too
    /// while this natter is the only node on it)
    database_url: Option<DatabaseUrl> ["URL"] = None => database_url;
    /// This natter is the only node on its PostgreSQL database (nodes
    /// sharing one need a bus to hear each other's messages)
    single_node: bool = false => single_node;
    /// How nodes on one PostgreSQL database hear each other's events:
    /// none (one node) or nats://HOST:PORT (a NATS server all nodes share)
    bus_url: BusUrl ["URL"] = BusUrl::None => bus_url;
    /// The first words of this cluster's NATS subjects (clusters sharing one
    /// NATS server need different ones)
    bus_prefix: String ["PREFIX"] = "natter".to_owned() => bus_prefix;
    /// Make a password part of sign-up (otherwise picking a username is enough)
    require_password: bool = false => require_password;
    /// Longest message, in characters
    max_message_chars: usize = 4000 => max_message_chars;
    /// The URL people reach this server at, e.g. https://chat.example.com.
    /// With https, session cookies are marked Secure and HSTS is sent; its
    /// origin may make state-changing requests; requests naming another
    /// host are refused (421)
    public_url: Option<String> ["URL"] = None => public_url;
    /// Another origin allowed to make state-changing requests and open the
    /// stream (repeatable; comma-separated in the environment variable)
    allowed_origins("allowed-origin"): Vec<String> ["ORIGIN"] = Vec::new() => allowed_origins;
    /// Largest request body in bytes
    max_body_bytes: usize = 64 * 1024 => max_body_bytes;
    /// Largest attachment in bytes (larger uploads are refused with 413 as
    /// soon as their declared or streamed size passes it)
    max_upload_bytes: u64 = 25 << 20 => max_upload_bytes;
    /// Bytes of attachments each user may keep stored
    upload_quota_bytes: u64 = 1 << 30 => upload_quota_bytes;
    /// Seconds an upload may wait to be sent with a message before it is removed
    orphan_upload_secs: Secs = Secs(24 * 3600) => orphan_upload_age;
    /// Seconds a session may go unused before it ends (signed out; pruned)
    session_idle_secs: Secs = Secs(30 * 24 * 3600) => session_idle;
    /// Serve the web client from this folder instead of the copy built into
    /// the binary (for live editing of assets/)
    assets_dir: Option<PathBuf> ["DIR"] = None => assets_dir;
    /// Open connections one IP address may hold; 0 for no limit
    max_connections_per_ip: usize = 1000 => connections.max_per_ip;
    /// Seconds a client has to send a request's headers (slowloris guard)
    header_timeout: Secs = Secs(10) => connections.header_read_timeout;
    /// Largest request head (request line and headers), in bytes
    max_header_bytes: usize = 16 * 1024 => connections.max_header_bytes;
    /// Seconds an HTTP connection may sit idle between requests
    idle_timeout: Secs = Secs(75) => connections.idle_timeout;
    /// Rate limits on sign-up, sign-in and sending (turn off only for load tests)
    rate_limits: bool = true => limits.enabled;
    /// Sign-ups allowed per IP address per hour
    sign_ups_per_hour: u32 = 30 => limits.sign_ups_per_hour;
    /// Sign-in attempts allowed per IP address per minute
    sign_ins_per_minute: u32 = 20 => limits.sign_ins_per_minute;
    /// Messages one user may send per second, sustained (bursts of 3 s worth)
    sends_per_second: u32 = 10 => limits.sends_per_second;
    /// Requests one API token may make per minute (bursts of a minute's worth)
    token_requests_per_minute: u32 = 120 => limits.token_requests_per_minute;
    /// Seconds to finish in-flight work after SIGTERM before exiting
    shutdown_timeout: Secs = Secs(10) => shutdown_timeout;
    /// Stream: frames that may wait for one connection before it is cut off
    ws_queue: usize = 1024 => stream.queue_bound;
    /// Stream: largest message a client may send, in bytes (larger closes with 1009)
    ws_max_message_bytes: usize = 64 * 1024 => stream.max_message_bytes;
    /// Stream: seconds between the server's pings
    ws_ping_secs: Secs = Secs(20) => stream.ping_interval;
    /// Stream: seconds of silence after which a connection counts as dead
    ws_idle_timeout: Secs = Secs(60) => stream.idle_timeout;
    /// Stream: live connections one user may hold at once
    ws_max_per_user: usize = 20 => stream.max_per_user;
    /// Stream: most events replayed per room on resume; beyond it the client
    /// is told to resync
    max_replay: u32 = 1000 => stream.max_replay;
    /// What to log: a level (error, warn, info, debug, trace) or per-module
    /// directives such as info,natter=debug
    log: String ["FILTER"] = "info".to_owned() => log;
    /// How log lines are written: text for people, json (one object per
    /// line) for log collectors
    log_format: LogFormat = LogFormat::Text => log_format;
    /// Also serve /metrics (Prometheus) on this separate address, without a
    /// token; keep it private (e.g. 127.0.0.1:9090)
    metrics_listen: Option<SocketAddr> = None => metrics_listen;
    /// Serve /metrics on the main address too, to scrapers sending
    /// Authorization: Bearer with this token (at least 16 characters)
    metrics_token: Option<Secret> = None => metrics_token;
    /// A reverse proxy (address or block, repeatable) whose X-Forwarded-For,
    /// Forwarded and X-Forwarded-Proto headers are believed; nobody else's are
    trusted_proxies("trusted-proxy"): Vec<Cidr> = Vec::new() => connections.trusted_proxies;
    /// TLS certificate chain (PEM) to serve HTTPS on --listen; read again on SIGHUP
    tls_cert: Option<PathBuf> ["FILE"] = None => tls_cert;
    /// TLS private key (PEM) for --tls-cert
    tls_key: Option<PathBuf> ["FILE"] = None => tls_key;
    /// With TLS: also listen for plain HTTP here and redirect every request to HTTPS
    http_redirect_listen: Option<SocketAddr> = None => http_redirect_listen;
    /// Outgoing requests (Web Push): an address block that may be reached
    /// although it is private or loopback (repeatable; refused by default)
    outbound_allow("outbound-allow"): Vec<String> ["CIDR"] = Vec::new() => outbound.allow;
    /// Outgoing requests: a PEM file of extra trusted CA certificates (repeatable)
    outbound_ca_file("outbound-ca-file"): Vec<PathBuf> ["FILE"] = Vec::new() => outbound.extra_roots;
    /// Outgoing webhooks: the ceiling of the first wait before a failed
    /// delivery is tried again, in milliseconds (it doubles per failure, up
    /// to 30 minutes, with a random wait below it)
    outhook_retry_ms: u64 ["MS"] = 1000 => outbound.hook_retry_ms;
    /// Outgoing webhooks: failed attempts of one event before the hook is
    /// paused and its maker told
    outhook_attempts: u32 = 20 => outbound.hook_attempts;
    /// Web Push: the contact given to push services (mailto: or https:);
    /// without it, --public-url when that is https, else a mailto: placeholder
    push_contact: Option<String> ["URL"] = None => outbound.push_contact;
}
