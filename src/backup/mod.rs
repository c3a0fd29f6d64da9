//! Backup and restore of a SQLite data directory while the server runs: a
//! consistent snapshot of the database (`VACUUM INTO` on its own
//! connection), the uploaded files and a manifest in one ZIP; and a
//! restore into an empty data directory that checks all of it first.
//!
//! # Use (for `natter admin backup --to FILE` / `restore --from FILE`)
//!
//! ```text
//! backup:   let manifest = create_backup(&BackupSource {
//!               data_dir: config.data_dir.clone(),
//!               database: "natter.db".into(),
//!               files_dir: Some("files".into()),     // None without uploads
//!           }, Path::new(to))?;
//!           // safe on a running server: no lock is taken beyond one read
//!           // transaction; the writer keeps committing meanwhile
//! restore:  restore_backup(Path::new(from), &config.data_dir,
//!                          latest_version)?;     // server stopped
//!           // latest_version: storage::sqlite's migrate::latest_version(),
//!           // private today; the wiring exports it
//! errors:   BackupError's Display is the sentence to print; exit non-zero
//! ```
//!
//! **Consistency.** `VACUUM INTO` copies the database inside one read
//! transaction: in WAL mode the writer is never blocked, and the copy holds
//! exactly the transactions committed before it began. So every message
//! acknowledged before the backup started is in it (acknowledged means
//! committed). Files are copied after the snapshot: a file uploaded during
//! the backup may be in the archive without its row (harmless: the orphan
//! sweep removes it), and a file deleted meanwhile (expiry) may be missing
//! while its row, already deleted in later commits, is in the snapshot.
//!
//! **Archive.** `<database>` (deflated), `files/<path>` (stored; uploads
//! are compressed already), then `manifest.json` ([`Manifest`]: format
//! version, natter version, schema version, created at, the database's
//! size and SHA-256, file count and bytes). The archive is written as
//! `<to>.<pid>.partial` and renamed when complete and synced, so a crash
//! never leaves a half backup under the final name.
//!
//! **Restore** refuses a non-empty target, an unknown format, a schema
//! newer than this natter's, unsafe or unexpected entry names, and any
//! mismatch with the manifest (sizes, hash, SQLite's `integrity_check`);
//! it unpacks beside the target and renames only when all of that passed.
//!
//! PostgreSQL (when it lands) is backed up with its own tools: `pg_dump
//! --format=custom` and `pg_restore` into an empty database, plus a copy of
//! the files directory.

mod create;
mod manifest;
mod restore;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use create::{create_backup, BackupSource};
pub use manifest::Manifest;
pub use restore::restore_backup;

/// Why a backup or restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} already exists; choose a new file for the backup", .0.display())]
    TargetExists(PathBuf),
    #[error("{} is not empty; restore into an empty or new data directory", .0.display())]
    TargetNotEmpty(PathBuf),
    /// The data directory cannot be backed up.
    #[error("cannot back up: {0}")]
    Source(String),
    /// Not a natter backup, from a newer natter, or damaged.
    #[error("cannot restore this backup: {0}")]
    BadArchive(String),
    #[error("{what}: {detail}")]
    Io { what: String, detail: String },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("backup archive: {0}")]
    Zip(#[from] zip::result::ZipError),
}

impl BackupError {
    fn io(what: &str, err: &std::io::Error) -> Self {
        Self::Io {
            what: what.to_owned(),
            detail: err.to_string(),
        }
    }
}
