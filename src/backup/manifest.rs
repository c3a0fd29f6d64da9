//! The backup's `manifest.json`: what made it, when, which schema, and
//! what the archive must hold for a restore to be trusted.

use serde::{Deserialize, Serialize};

use super::BackupError;

/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.json";
/// The folder of the data directory's files in the archive.
pub const FILES_PREFIX: &str = "files/";
const FORMAT: &str = "natter-backup";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `natter-backup`.
    pub format: String,
    /// The layout of the archive (1: this one).
    pub format_version: u32,
    /// The natter that made it.
    pub natter_version: String,
    /// The database's `user_version` (its migration level).
    pub schema_version: i64,
    /// RFC 3339, UTC: when the snapshot was taken.
    pub created_at: String,
    /// The database's file name inside the data directory (and archive).
    pub database: String,
    pub database_bytes: u64,
    /// Hex SHA-256 of the database file.
    pub database_sha256: String,
    /// The files folder's name inside the data directory, if one was saved.
    pub files_dir: Option<String>,
    pub file_count: u64,
    pub file_bytes: u64,
}

impl Manifest {
    pub(super) fn new(schema_version: i64, database: &str, files_dir: Option<&str>) -> Self {
        let created_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            natter_version: env!("CARGO_PKG_VERSION").into(),
            schema_version,
            created_at,
            database: database.into(),
            database_bytes: 0,
            database_sha256: String::new(),
            files_dir: files_dir.map(Into::into),
            file_count: 0,
            file_bytes: 0,
        }
    }

    /// Checks a manifest read from an archive before anything is restored.
    pub(super) fn check(&self, max_schema_version: i64) -> Result<(), BackupError> {
        let bad = |why: String| Err(BackupError::BadArchive(why));
        if self.format != FORMAT {
            return bad(format!(
                "its manifest says {:?}, not a natter backup",
                self.format
            ));
        }
        if self.format_version != FORMAT_VERSION {
            return bad(format!(
                "it is format version {}; this natter reads version {FORMAT_VERSION}",
                self.format_version
            ));
        }
        if self.schema_version > max_schema_version {
            return bad(format!(
                "it holds schema version {} (natter {}), but this natter knows up to {max_schema_version}; restore it with a newer natter",
                self.schema_version, self.natter_version
            ));
        }
        for name in std::iter::once(&self.database).chain(&self.files_dir) {
            if name.is_empty() || name.contains(['/', '\\', '\0']) || name == "." || name == ".." {
                return bad(format!(
                    "its manifest names {name:?}, which is not a plain file name"
                ));
            }
        }
        Ok(())
    }
}
