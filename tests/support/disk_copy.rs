//! What a copy of a SQLite data directory's disk would show: the test
//! that says "gone for real" reads the bytes, not the rows.

use std::path::Path;
use std::time::Duration;

/// Checkpoints the WAL into the database file and empties it, then returns
/// both files' bytes. The pragma answers "busy" (not an error) while the
/// server's own checkpoint runs, leaving the WAL's old frames, text and
/// all, where they were: it is tried until it has copied and emptied the
/// whole WAL.
pub fn database_bytes(data_dir: &Path) -> Vec<u8> {
    let db = rusqlite::Connection::open(data_dir.join("natter.db")).unwrap();
    db.busy_timeout(Duration::from_secs(20)).unwrap();
    let emptied = (0..200).any(|_| {
        let busy: i64 = db
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .unwrap();
        if busy != 0 {
            std::thread::sleep(Duration::from_millis(25));
        }
        busy == 0
    });
    assert!(emptied, "the WAL could not be checkpointed and emptied");
    drop(db);
    let mut bytes = std::fs::read(data_dir.join("natter.db")).unwrap();
    if let Ok(wal) = std::fs::read(data_dir.join("natter.db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

/// Whether `bytes` hold `text` anywhere.
pub fn contains(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}
