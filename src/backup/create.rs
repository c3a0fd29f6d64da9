//! Making a backup of a live data directory: a `VACUUM INTO` snapshot of
//! the database on a connection of its own (one read transaction, so it is
//! consistent while the writer goes on committing), then the files, then
//! the manifest, into a ZIP written beside the target and renamed into
//! place only when complete.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::manifest::{Manifest, FILES_PREFIX, MANIFEST};
use super::BackupError;

/// What to back up: a data directory, its database file and (optionally)
/// its folder of uploaded files, both named relative to `data_dir`.
#[derive(Debug, Clone)]
pub struct BackupSource {
    pub data_dir: PathBuf,
    /// `natter.db`.
    pub database: String,
    /// `files`, or `None` when the server keeps no files there.
    pub files_dir: Option<String>,
}

/// Writes a backup of `source` to `to` (which must not exist yet) and
/// returns its manifest. The snapshot is taken when this is called: every
/// transaction committed before then is in it, none begun after.
pub fn create_backup(source: &BackupSource, to: &Path) -> Result<Manifest, BackupError> {
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    let partial = sibling(to, "partial");
    let snapshot = sibling(to, "snapshot.db");
    let result = write_backup(source, &partial, &snapshot);
    let _ = fs::remove_file(&snapshot);
    match result {
        Ok(manifest) => {
            fs::rename(&partial, to)
                .map_err(|e| BackupError::io("moving the backup into place", &e))?;
            Ok(manifest)
        }
        Err(err) => {
            let _ = fs::remove_file(&partial);
            Err(err)
        }
    }
}

/// `<to>.<pid>.<what>`: beside the target, so the rename stays on one disk.
fn sibling(to: &Path, what: &str) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{}.{what}", std::process::id()));
    to.with_file_name(name)
}

fn write_backup(
    source: &BackupSource,
    partial: &Path,
    snapshot: &Path,
) -> Result<Manifest, BackupError> {
    let schema_version = snapshot_database(&source.data_dir.join(&source.database), snapshot)?;
    let mut manifest = Manifest::new(
        schema_version,
        &source.database,
        source.files_dir.as_deref(),
    );
    let out = File::create(partial).map_err(|e| BackupError::io("creating the backup file", &e))?;
    let mut zip = ZipWriter::new(BufWriter::new(out));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(source.database.as_str(), deflated)?;
    let (bytes, sha) = copy_hashed(
        &mut File::open(snapshot).map_err(|e| BackupError::io("reading the snapshot", &e))?,
        &mut zip,
    )?;
    manifest.database_bytes = bytes;
    manifest.database_sha256 = sha;
    if let Some(dir) = &source.files_dir {
        let root = source.data_dir.join(dir);
        let mut files = Vec::new();
        if root.exists() {
            walk(&root, &root, &mut files)?;
        }
        files.sort();
        // Uploads are mostly compressed already (images, archives).
        let stored = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(true);
        for relative in files {
            let name = format!("{FILES_PREFIX}{relative}");
            let mut file =
                File::open(root.join(&relative)).map_err(|e| BackupError::io(&name, &e))?;
            zip.start_file(name, stored)?;
            manifest.file_bytes += copy_hashed(&mut file, &mut zip)?.0;
            manifest.file_count += 1;
        }
    }
    zip.start_file(MANIFEST, deflated)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest).expect("a manifest serializes"))
        .map_err(|e| BackupError::io("writing the manifest", &e))?;
    let out = zip.finish()?;
    let file = out
        .into_inner()
        .map_err(|e| BackupError::io("writing the backup", e.error()))?;
    file.sync_all()
        .map_err(|e| BackupError::io("syncing the backup", &e))?;
    Ok(manifest)
}

/// `VACUUM INTO` from a connection of our own; returns the schema version.
fn snapshot_database(database: &Path, snapshot: &Path) -> Result<i64, BackupError> {
    if !database.exists() {
        return Err(BackupError::Source(format!(
            "there is no database at {}",
            database.display()
        )));
    }
    let conn = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| BackupError::Source(format!("cannot open {}: {e}", database.display())))?;
    // The writer's checkpoints can hold the database briefly.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let target = snapshot
        .to_str()
        .ok_or_else(|| BackupError::Source("the backup path is not UTF-8".into()))?;
    conn.execute("VACUUM INTO ?1", [target])?;
    let copy = Connection::open_with_flags(snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(BackupError::Source(format!(
            "the database fails its integrity check: {check}"
        )));
    }
    Ok(copy.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Every regular file under `dir`, as `/`-separated paths relative to
/// `root`. Symbolic links are not followed: a backup holds what the data
/// directory holds, nothing it points at.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), BackupError> {
    let entries = fs::read_dir(dir).map_err(|e| BackupError::io(&dir.display().to_string(), &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| BackupError::io(&dir.display().to_string(), &e))?;
        let kind = entry
            .file_type()
            .map_err(|e| BackupError::io(&dir.display().to_string(), &e))?;
        let path = entry.path();
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).expect("under root");
            let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
            let parts = parts.ok_or_else(|| {
                BackupError::Source(format!("{} is not a UTF-8 name", path.display()))
            })?;
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// Copies all of `from` into `to`; returns the bytes and their hex SHA-256.
pub(super) fn copy_hashed(
    from: &mut impl Read,
    to: &mut impl Write,
) -> Result<(u64, String), BackupError> {
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(BackupError::io("copying", &e)),
        };
        hash.update(&buf[..n]);
        to.write_all(&buf[..n])
            .map_err(|e| BackupError::io("copying", &e))?;
        total += n as u64;
    }
    Ok((total, hex(&hash.finalize())))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
