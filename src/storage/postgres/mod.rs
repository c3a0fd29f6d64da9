//! The PostgreSQL store, for several natter nodes on one database. It has
//! the SQLite store's shape: one writer thread with group commit (its
//! commits wait for the WAL flush, `synchronous_commit = on`, before
//! anything is answered or published) and a bounded pool of read
//! connections, both on the blocking `postgres` client from their own
//! threads. Each area of `Store` has its own file, as in `storage/sqlite`.
//!
//! What differs from SQLite, on purpose:
//! - seqs come from the room's counter row (`UPDATE rooms SET last_seq =
//!   last_seq + 1 … RETURNING last_seq`) and ids from identity columns, so
//!   writers on any number of nodes take them one after another;
//! - a lost connection is made again by the next write or read (writes
//!   are answered "unavailable" meanwhile, never acknowledged falsely);
//! - `query_one` finding no row is an error here, not `NotFound`: areas use
//!   `query_opt` and say what a missing row means.

mod accounts;
mod commands;
mod conversation;
mod corrections;
mod directory;
pub(crate) mod expiry;
pub(crate) mod files;
mod finish;
mod group;
mod group_dms;
mod history;
mod hooks;
mod integrations;
mod memberships;
mod messages;
mod migrate;
mod moderation;
mod operations;
mod outhooks;
mod pins;
mod pipeline;
mod profiles;
mod push;
mod reactions;
mod readers;
mod room_care;
pub(crate) mod room_log;
mod room_seqs;
mod rooms;
mod search;
mod send_batch;
mod send_limits;
mod send_rates;
mod server;
mod status;
mod upload_quota;
mod writer;

use std::cell::Cell;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use postgres::{Client, NoTls};

use self::pipeline::Pipeline;
use self::readers::Readers;
use self::writer::Writer;
use super::{Listeners, StoreError};
use crate::ops::metrics::CommitMetrics;

pub use migrate::latest_version;

/// How many writes may wait for the writer before senders wait in turn.
const WRITE_QUEUE: usize = 8192;
/// The most jobs one transaction takes.
const MAX_GROUP: usize = 1024;
const MAX_READERS: usize = 8;
/// Connections the history page's reads share (`pipeline`): a few carry
/// many reads at once, and PostgreSQL runs one statement per connection
/// at a time, so about one per core.
const PIPELINED_READERS: usize = 2;

pub struct PgStore {
    writer: Writer,
    readers: Readers,
    pipeline: Pipeline,
    send_rates: send_rates::SendRateTaker,
}

impl PgStore {
    /// Connects to `url`, migrates the database (under an advisory lock, so
    /// nodes starting together take turns) and starts the writer. Blocks:
    /// the work runs on a thread of its own, so it may be called from
    /// async code too.
    pub fn open(url: &str, listeners: Listeners, commits: CommitMetrics) -> anyhow::Result<Self> {
        let url = url.to_owned();
        std::thread::scope(|scope| {
            scope
                .spawn(|| Self::open_here(url, listeners, commits))
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("opening the database panicked")))
        })
    }

    fn open_here(
        url: String,
        listeners: Listeners,
        commits: CommitMetrics,
    ) -> anyhow::Result<Self> {
        let shown = shown_url(&url);
        let mut client = connect(&url).with_context(|| format!("cannot connect to {shown}"))?;
        migrate::migrate(&mut client, &shown)
            .with_context(|| format!("cannot migrate the database {shown}"))?;
        let writer = Writer::start(
            client,
            url.clone(),
            WRITE_QUEUE,
            MAX_GROUP,
            listeners,
            commits,
        )
        .context("cannot start the database writer")?;
        let send_rates = send_rates::SendRateTaker::start(url.clone())
            .context("cannot start the send-rate thread")?;
        Ok(Self {
            writer,
            readers: Readers::new(url.clone(), MAX_READERS),
            pipeline: Pipeline::new(url, PIPELINED_READERS),
            send_rates,
        })
    }
}

/// `url` without its password, for messages.
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "the PostgreSQL database".into(),
    }
}

/// Opens a connection with the settings every connection needs. Blocks;
/// call it from a thread that is not running async tasks.
fn connect(url: &str) -> anyhow::Result<Client> {
    let mut config = postgres::Config::from_str(url).context("not a PostgreSQL URL")?;
    config
        .application_name("natter")
        .connect_timeout(Duration::from_secs(5));
    let mut client = config.connect(NoTls)?;
    // Said, not assumed: an acknowledged write is on the server's disk
    // (the server's default, which a database may have lowered).
    client.batch_execute("SET synchronous_commit = on")?;
    Ok(client)
}

thread_local! {
    /// Set on this thread when PostgreSQL rolled a statement back for a
    /// conflict with another transaction (SQLSTATE class 40: a deadlock, a
    /// serialization failure), which running the transaction again settles:
    /// the writer then runs the group's parts again (`writer::run`) instead
    /// of answering "unavailable". The jobs' errors carry no SQLSTATE, so the
    /// writer thread asks here.
    static ROLLED_BACK: Cell<bool> = const { Cell::new(false) };
}

/// Whether a statement on this thread was rolled back for a conflict since
/// the last `forget_rolled_back`.
fn rolled_back() -> bool {
    ROLLED_BACK.with(Cell::get)
}

fn forget_rolled_back() {
    ROLLED_BACK.with(|c| c.set(false));
}

/// Sorts PostgreSQL's errors into what callers can act on.
fn classify(e: &postgres::Error) -> StoreError {
    // The server's own words (`Display` says only "db error").
    let said = e.as_db_error().map_or_else(
        || e.to_string(),
        |db| format!("{} ({})", db.message(), db.code().code()),
    );
    if let Some(code) = e.code() {
        let code = code.code();
        // Class 23: integrity constraint violations (unique, foreign key,
        // check, not null), as SQLite's constraint errors.
        if code.starts_with("23") {
            return StoreError::Conflict;
        }
        if code.starts_with("40") {
            ROLLED_BACK.with(|c| c.set(true));
        }
        // Connection exceptions, insufficient resources (a full disk),
        // operator intervention (shutdown), read-only transactions, and
        // conflicts with another node's transaction (retried by the
        // writer; elsewhere worth a retry by the caller).
        if code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("57P")
            || code.starts_with("40")
            || code == "25006"
        {
            return StoreError::Unavailable(said);
        }
    }
    let io =
        std::error::Error::source(e).is_some_and(<dyn std::error::Error>::is::<std::io::Error>);
    if e.is_closed() || io {
        return StoreError::Unavailable(format!("the database connection failed: {e}"));
    }
    StoreError::Other(anyhow::anyhow!("postgres: {said}"))
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        classify(&e)
    }
}
