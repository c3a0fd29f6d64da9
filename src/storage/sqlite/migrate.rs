//! Versioned schema migrations, embedded in the binary and applied at start-up.
//! The applied version lives in SQLite's `user_version`.

use anyhow::{bail, Context};
use rusqlite::Connection;

use super::messages;

struct Migration {
    version: i64,
    sql: &'static str,
    /// Work SQL cannot do, run after `sql` in the same transaction.
    then: Option<fn(&Connection) -> anyhow::Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../../migrations/sqlite/0001_init.sql"),
        then: None,
    },
    Migration {
        version: 2,
        sql: include_str!("../../../migrations/sqlite/0002_room_events.sql"),
        then: None,
    },
    Migration {
        version: 3,
        sql: include_str!("../../../migrations/sqlite/0003_user_theme.sql"),
        then: None,
    },
    Migration {
        version: 4,
        sql: include_str!("../../../migrations/sqlite/0004_slow_mode.sql"),
        then: None,
    },
    Migration {
        version: 5,
        sql: include_str!("../../../migrations/sqlite/0005_message_json.sql"),
        then: Some(messages::encode_unencoded_messages),
    },
    Migration {
        version: 6,
        sql: include_str!("../../../migrations/sqlite/0006_files.sql"),
        then: None,
    },
    Migration {
        version: 7,
        sql: include_str!("../../../migrations/sqlite/0007_reactions_pins.sql"),
        then: None,
    },
    Migration {
        version: 8,
        sql: include_str!("../../../migrations/sqlite/0008_threads_mentions.sql"),
        then: None,
    },
    Migration {
        version: 9,
        sql: include_str!("../../../migrations/sqlite/0009_server.sql"),
        then: None,
    },
    Migration {
        version: 10,
        sql: include_str!("../../../migrations/sqlite/0010_conversations_finish.sql"),
        then: None,
    },
    Migration {
        version: 11,
        sql: include_str!("../../../migrations/sqlite/0011_search_progress.sql"),
        then: None,
    },
    Migration {
        version: 12,
        sql: include_str!("../../../migrations/sqlite/0012_server_finish.sql"),
        then: None,
    },
    Migration {
        version: 13,
        sql: include_str!("../../../migrations/sqlite/0013_push.sql"),
        then: None,
    },
    Migration {
        version: 14,
        sql: include_str!("../../../migrations/sqlite/0014_profiles.sql"),
        then: None,
    },
    Migration {
        version: 15,
        sql: include_str!("../../../migrations/sqlite/0015_reports_and_operations.sql"),
        then: None,
    },
    Migration {
        version: 16,
        sql: include_str!("../../../migrations/sqlite/0016_integrations.sql"),
        then: None,
    },
    Migration {
        version: 17,
        sql: include_str!("../../../migrations/sqlite/0017_outhooks.sql"),
        then: None,
    },
    Migration {
        version: 18,
        sql: include_str!("../../../migrations/sqlite/0018_commands_and_feed.sql"),
        then: None,
    },
    Migration {
        version: 19,
        sql: include_str!("../../../migrations/sqlite/0019_outhook_batches.sql"),
        then: None,
    },
    Migration {
        version: 20,
        sql: include_str!("../../../migrations/sqlite/0020_send_limits.sql"),
        then: None,
    },
    Migration {
        version: 21,
        sql: include_str!("../../../migrations/sqlite/0021_bot_outhooks.sql"),
        then: None,
    },
    Migration {
        version: 22,
        sql: include_str!("../../../migrations/sqlite/0022_search_delete_merges.sql"),
        then: None,
    },
    Migration {
        version: 23,
        sql: include_str!("../../../migrations/sqlite/0023_search_deletes_by_words.sql"),
        then: None,
    },
    Migration {
        version: 24,
        sql: include_str!("../../../migrations/sqlite/0024_push_queue_by_message.sql"),
        then: None,
    },
    Migration {
        version: 25,
        sql: include_str!("../../../migrations/sqlite/0025_expiry_held_announcements.sql"),
        then: None,
    },
    Migration {
        version: 26,
        sql: include_str!("../../../migrations/sqlite/0026_search_slices.sql"),
        then: None,
    },
    Migration {
        version: 27,
        sql: include_str!("../../../migrations/sqlite/0027_doomed_search_slices.sql"),
        then: None,
    },
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema up to date, or refuses a database from a newer natter
/// (running on it could corrupt data that version understands).
pub fn migrate(conn: &mut Connection, path: &std::path::Path) -> anyhow::Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = latest_version();
    if current > latest {
        bail!(
            "the database {} has schema version {current}, but this natter only knows up to {latest}; run a newer natter or choose another --data-dir",
            path.display()
        );
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)
            .with_context(|| format!("migration {} failed", m.version))?;
        if let Some(then) = m.then {
            then(&tx).with_context(|| format!("migration {} failed", m.version))?;
        }
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
        tracing::info!(version = m.version, "applied migration");
    }
    Ok(())
}
