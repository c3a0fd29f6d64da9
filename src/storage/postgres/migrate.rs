//! Versioned schema migrations for PostgreSQL, embedded in the binary and
//! applied at start-up. The applied versions live in `schema_migrations`.
//! Several nodes starting at once on an empty database take turns: each
//! migrates under one advisory lock, so the second finds the work done.

use anyhow::{bail, Context};
use postgres::Client;

struct Migration {
    version: i64,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../../migrations/postgres/0001_schema.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../../migrations/postgres/0002_upload_reservations.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../../migrations/postgres/0003_commands_and_feed.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../../migrations/postgres/0004_outhooks.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../../migrations/postgres/0005_outhook_batches.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../../../migrations/postgres/0006_send_limits.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../../../migrations/postgres/0007_bot_outhooks.sql"),
    },
    Migration {
        version: 8,
        sql: include_str!("../../../migrations/postgres/0008_send_rates.sql"),
    },
    Migration {
        version: 9,
        sql: include_str!("../../../migrations/postgres/0009_push_queue_by_message.sql"),
    },
];

/// The advisory lock key natter migrates under ("natter" in ASCII).
const MIGRATION_LOCK: i64 = 0x6e_61_74_74_65_72;

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema up to date, or refuses a database from a newer natter
/// (running on it could corrupt data that version understands).
pub fn migrate(client: &mut Client, shown_url: &str) -> anyhow::Result<()> {
    // Held by this session until unlocked below (or the connection ends).
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let outcome = apply(client, shown_url);
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    outcome
}

fn apply(client: &mut Client, shown_url: &str) -> anyhow::Result<()> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )?;
    let current: i64 = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )?
        .get(0);
    let latest = latest_version();
    if current > latest {
        bail!(
            "the database {shown_url} has schema version {current}, but this natter only knows up to {latest}; run a newer natter or choose another --database-url"
        );
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let mut tx = client.transaction()?;
        tx.batch_execute(m.sql)
            .with_context(|| format!("migration {} failed", m.version))?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&m.version],
        )?;
        tx.commit()?;
        tracing::info!(version = m.version, "applied migration");
    }
    Ok(())
}
