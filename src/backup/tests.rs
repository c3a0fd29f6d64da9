//! Backups of a real WAL database while a writer thread commits, restored
//! into fresh directories; and the restores that must be refused.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::thread;

use rusqlite::Connection;

use super::{create_backup, restore_backup, BackupError, BackupSource};

const SCHEMA: i64 = 5;

/// A data directory like natter's: a WAL database at schema `SCHEMA` and
/// a files folder with a nested file.
fn data_dir(root: &Path) -> BackupSource {
    let dir = root.join("data");
    fs::create_dir_all(dir.join("files/ab/cd")).unwrap();
    fs::write(dir.join("files/ab/cd/photo.jpg"), vec![7u8; 300_000]).unwrap();
    fs::write(dir.join("files/notes.txt"), b"hello").unwrap();
    let conn = Connection::open(dir.join("natter.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA user_version = {SCHEMA};
         CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pad BLOB NOT NULL);"
    ))
    .unwrap();
    BackupSource {
        data_dir: dir,
        database: "natter.db".into(),
        files_dir: Some("files".into()),
    }
}

/// Inserts rows one transaction each until told to stop; `committed` is the
/// highest id whose commit has returned.
fn writer(db: &Path, committed: Arc<AtomicI64>, stop: Arc<AtomicBool>) -> thread::JoinHandle<()> {
    let db = db.to_owned();
    thread::spawn(move || {
        let conn = Connection::open(db).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn.execute_batch("PRAGMA synchronous = NORMAL").unwrap();
        let mut id = 0;
        while !stop.load(Ordering::SeqCst) && id < 1_000_000 {
            id += 1;
            conn.execute(
                "INSERT INTO messages (id, body, pad) VALUES (?1, ?2, zeroblob(200))",
                rusqlite::params![id, format!("message {id}")],
            )
            .unwrap();
            committed.store(id, Ordering::SeqCst);
        }
    })
}

#[test]
fn a_backup_taken_while_the_writer_commits_restores_every_row_committed_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let source = data_dir(tmp.path());
    let db = source.data_dir.join("natter.db");
    let (committed, stop) = (
        Arc::new(AtomicI64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let writing = writer(&db, Arc::clone(&committed), Arc::clone(&stop));
    // Wait until the writer is well under way (a readiness check).
    while committed.load(Ordering::SeqCst) < 2_000 {
        thread::yield_now();
    }
    let before = committed.load(Ordering::SeqCst);
    let archive = tmp.path().join("backup.zip");
    let manifest = create_backup(&source, &archive).unwrap();
    let after_backup = committed.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writing.join().unwrap();
    assert!(
        after_backup > before,
        "the writer kept committing during the backup"
    );
    assert_eq!(
        (
            manifest.schema_version,
            manifest.file_count,
            manifest.file_bytes
        ),
        (SCHEMA, 2, 300_005)
    );

    let restored = tmp.path().join("restored");
    let back = restore_backup(&archive, &restored, SCHEMA).unwrap();
    assert_eq!(back, manifest);
    let conn = Connection::open(restored.join("natter.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let (count, max): (i64, i64) = conn
        .query_row("SELECT count(*), max(id) FROM messages", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    // Every row committed before the backup began, in one unbroken run.
    assert!(
        max >= before,
        "rows up to {before} were committed first; the copy ends at {max}"
    );
    assert_eq!(count, max, "no row is missing from the snapshot");
    let body: String = conn
        .query_row("SELECT body FROM messages WHERE id = ?1", [before], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(body, format!("message {before}"));
    assert_eq!(
        fs::read(restored.join("files/ab/cd/photo.jpg")).unwrap(),
        vec![7u8; 300_000]
    );
    assert_eq!(
        fs::read(restored.join("files/notes.txt")).unwrap(),
        b"hello"
    );
    assert!(!restored.join("natter.db-wal").exists());
}

#[test]
fn restore_refuses_a_data_directory_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let source = data_dir(tmp.path());
    let archive = tmp.path().join("b.zip");
    create_backup(&source, &archive).unwrap();
    let err = restore_backup(&archive, &source.data_dir, SCHEMA).unwrap_err();
    assert!(matches!(err, BackupError::TargetNotEmpty(_)), "{err}");
    assert!(
        err.to_string()
            .contains("restore into an empty or new data directory"),
        "{err}"
    );
    // An empty one is fine.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    restore_backup(&archive, &empty, SCHEMA).unwrap();
    assert!(empty.join("natter.db").exists());
    // And a backup never overwrites a file.
    let err = create_backup(&source, &archive).unwrap_err();
    assert!(matches!(err, BackupError::TargetExists(_)), "{err}");
}

#[test]
fn restore_refuses_a_backup_from_a_newer_schema_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("b.zip");
    create_backup(&data_dir(tmp.path()), &archive).unwrap();
    let target = tmp.path().join("new");
    let err = restore_backup(&archive, &target, SCHEMA - 1).unwrap_err();
    assert!(
        err.to_string().contains("restore it with a newer natter"),
        "{err}"
    );
    assert!(!target.exists());
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        2,
        "only data/ and b.zip"
    );
}

/// Rewrites `archive` with `change` applied to each (name, bytes).
fn rewrite(archive: &Path, change: impl Fn(&str, &mut Vec<u8>) -> Option<String>) {
    let mut zip = zip::ZipArchive::new(fs::File::open(archive).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let name = change(&name, &mut bytes).unwrap_or(name);
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    fs::write(archive, out.finish().unwrap().into_inner()).unwrap();
}

type Damage = fn(&str, &mut Vec<u8>) -> Option<String>;

#[test]
fn restore_refuses_damaged_or_foreign_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let source = data_dir(tmp.path());
    let cases: [(&str, Damage, &str); 4] = [
        (
            "flipped",
            |name, bytes| {
                if name == "natter.db" {
                    let at = bytes.len() / 2;
                    bytes[at] ^= 0xff;
                }
                None
            },
            "does not match its manifest",
        ),
        (
            "traversal",
            |name, _| (name == "files/notes.txt").then(|| "files/../../evil.txt".into()),
            "unsafe file name",
        ),
        (
            "extra",
            |name, _| (name == "files/notes.txt").then(|| "elsewhere.txt".into()),
            "which no natter backup has",
        ),
        (
            "foreign",
            |name, bytes| {
                if name == "manifest.json" {
                    *bytes = bytes
                        .windows(13)
                        .position(|w| w == b"natter-backup")
                        .map_or(bytes.clone(), |at| {
                            [&bytes[..at], b"other-format!", &bytes[at + 13..]].concat()
                        });
                }
                None
            },
            "not a natter backup",
        ),
    ];
    for (what, change, says) in cases {
        let archive = tmp.path().join(format!("{what}.zip"));
        create_backup(&source, &archive).unwrap();
        rewrite(&archive, change);
        let target = tmp.path().join(format!("restore-{what}"));
        let err = restore_backup(&archive, &target, SCHEMA).unwrap_err();
        assert!(err.to_string().contains(says), "{what}: {err}");
        assert!(!target.exists(), "{what}: nothing restored");
        assert!(!tmp.path().join("evil.txt").exists());
    }
    let err = restore_backup(
        &tmp.path().join("data/files/notes.txt"),
        &tmp.path().join("x"),
        SCHEMA,
    )
    .unwrap_err();
    assert!(matches!(err, BackupError::BadArchive(_)), "{err}");
}
