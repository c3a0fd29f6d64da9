-- Version 12: finishing "running a server".

-- Files whose message expired (or was removed by retention): their upload
-- rows are deleted in the expiry's transaction and their keys queued here,
-- and the bytes are deleted from the file store after the commit. A crash
-- in between leaves the keys here, and the next expiry round (or start-up)
-- deletes them then: no file of an expired message stays for good.
CREATE TABLE file_deletions (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Signed-in devices: what each session last looked like and when it was
-- last used (written at most every few minutes per session). A session
-- idle past --session-idle-secs is pruned.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;
UPDATE sessions SET last_seen_at = created_at;
