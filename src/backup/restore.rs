//! Restoring a backup into an empty data directory: manifest checked first,
//! everything unpacked into a staging folder beside the target and
//! verified (hash, sizes, SQLite's integrity check, schema version), then
//! renamed into place. A failed restore leaves the target as it was.

use std::fs::{self, File};
use std::io::{BufWriter, Read};
use std::path::{Component, Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use zip::ZipArchive;

use super::create::copy_hashed;
use super::manifest::{Manifest, FILES_PREFIX, MANIFEST};
use super::BackupError;

/// Restores `archive` into `data_dir`, which must be empty or absent.
/// `max_schema_version` is the newest schema this natter can run (the
/// storage's latest migration): a backup from a newer natter is refused.
pub fn restore_backup(
    archive: &Path,
    data_dir: &Path,
    max_schema_version: i64,
) -> Result<Manifest, BackupError> {
    if data_dir.exists() {
        let mut entries = fs::read_dir(data_dir)
            .map_err(|e| BackupError::io("reading the data directory", &e))?;
        if entries.next().is_some() {
            return Err(BackupError::TargetNotEmpty(data_dir.to_owned()));
        }
    }
    let file = File::open(archive).map_err(|e| BackupError::io("opening the backup", &e))?;
    let mut zip = ZipArchive::new(file).map_err(|e| BackupError::BadArchive(e.to_string()))?;
    let manifest = read_manifest(&mut zip)?;
    manifest.check(max_schema_version)?;
    let mut name = data_dir.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{}.restoring", std::process::id()));
    let staging = data_dir.with_file_name(name);
    let _ = fs::remove_dir_all(&staging);
    let result = unpack(&mut zip, &manifest, &staging).and_then(|()| verify(&manifest, &staging));
    if let Err(err) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }
    if data_dir.exists() {
        fs::remove_dir(data_dir)
            .map_err(|e| BackupError::io("replacing the empty data directory", &e))?;
    }
    fs::rename(&staging, data_dir)
        .map_err(|e| BackupError::io("moving the restored data into place", &e))?;
    Ok(manifest)
}

fn read_manifest(zip: &mut ZipArchive<File>) -> Result<Manifest, BackupError> {
    let entry = zip.by_name(MANIFEST).map_err(|_| {
        BackupError::BadArchive("it has no manifest.json; is it a natter backup?".into())
    })?;
    let mut bytes = Vec::new();
    entry
        .take(1 << 20)
        .read_to_end(&mut bytes)
        .map_err(|e| BackupError::io(MANIFEST, &e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| BackupError::BadArchive(format!("its manifest is not valid: {e}")))
}

fn unpack(
    zip: &mut ZipArchive<File>,
    manifest: &Manifest,
    staging: &Path,
) -> Result<(), BackupError> {
    fs::create_dir_all(staging).map_err(|e| BackupError::io("creating the staging folder", &e))?;
    let (mut files, mut file_bytes, mut database) = (0u64, 0u64, None);
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| BackupError::BadArchive(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| BackupError::BadArchive(e.to_string()))?
            .into_owned();
        if name == MANIFEST || entry.is_dir() {
            continue;
        }
        let (target, budget) = if name == manifest.database {
            if database.is_some() {
                return Err(BackupError::BadArchive(
                    "it holds the database twice".into(),
                ));
            }
            (staging.join(&manifest.database), manifest.database_bytes)
        } else if let (Some(rest), Some(dir)) =
            (name.strip_prefix(FILES_PREFIX), &manifest.files_dir)
        {
            files += 1;
            (
                staging.join(dir).join(safe_relative(rest)?),
                manifest.file_bytes - file_bytes,
            )
        } else {
            return Err(BackupError::BadArchive(format!(
                "it holds {name:?}, which no natter backup has"
            )));
        };
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| BackupError::io(&name, &e))?;
        }
        let out = File::create_new(&target).map_err(|e| BackupError::io(&name, &e))?;
        let mut out = BufWriter::new(out);
        // Never more than the manifest promised, whatever the entry claims.
        let (bytes, sha) = copy_hashed(&mut (&mut entry).take(budget + 1), &mut out)?;
        if bytes > budget {
            return Err(BackupError::BadArchive(format!(
                "{name} is larger than the manifest says"
            )));
        }
        let out = out
            .into_inner()
            .map_err(|e| BackupError::io(&name, e.error()))?;
        out.sync_all().map_err(|e| BackupError::io(&name, &e))?;
        if name == manifest.database {
            database = Some((bytes, sha));
        } else {
            file_bytes += bytes;
        }
    }
    let Some((bytes, sha)) = database else {
        return Err(BackupError::BadArchive("it holds no database".into()));
    };
    if bytes != manifest.database_bytes || sha != manifest.database_sha256 {
        return Err(BackupError::BadArchive(
            "the database does not match its manifest (damaged?)".into(),
        ));
    }
    if files != manifest.file_count || file_bytes != manifest.file_bytes {
        return Err(BackupError::BadArchive(format!(
            "it holds {files} files of {file_bytes} bytes; the manifest says {} of {}",
            manifest.file_count, manifest.file_bytes
        )));
    }
    Ok(())
}

/// A `files/` entry's path as plain components only.
fn safe_relative(rest: &str) -> Result<PathBuf, BackupError> {
    let path = Path::new(rest);
    let plain = !rest.is_empty()
        && !rest.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(path.to_owned())
    } else {
        Err(BackupError::BadArchive(format!(
            "it holds an unsafe file name {rest:?}"
        )))
    }
}

/// The unpacked database opens, passes SQLite's integrity check and is at
/// the schema version the manifest says.
fn verify(manifest: &Manifest, staging: &Path) -> Result<(), BackupError> {
    let path = staging.join(&manifest.database);
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(BackupError::BadArchive(format!(
            "the restored database fails its integrity check: {check}"
        )));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != manifest.schema_version {
        return Err(BackupError::BadArchive(
            "the database's schema version differs from its manifest".into(),
        ));
    }
    drop(conn);
    // Make the renamed directory's entries durable too.
    File::open(staging)
        .and_then(|d| d.sync_all())
        .map_err(|e| BackupError::io("syncing", &e))?;
    Ok(())
}
