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

-- One-time password reset links made by admins (or `natter admin
-- reset-password`). Only the SHA-256 of the code is kept; a link works
-- once, until it expires. Making a new link for a user replaces theirs.
CREATE TABLE password_resets (
    code_hash   BLOB    PRIMARY KEY,
    user_id     INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
