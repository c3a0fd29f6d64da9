-- Version 9: running a server — disappearing messages, server roles,
-- deactivation, sign-up mode and invites.

-- Seconds after which messages posted in the room disappear (0: never).
ALTER TABLE rooms ADD COLUMN disappear_after_secs INTEGER NOT NULL DEFAULT 0
    CHECK (disappear_after_secs BETWEEN 0 AND 31622400);

-- When the message disappears (ms since the epoch); NULL for messages that
-- stay. Once expired the row is a tombstone: body and JSON emptied of text,
-- deleted_at set to the moment of expiry.
ALTER TABLE messages ADD COLUMN expires_at INTEGER;
-- The expiry task's only read: the soonest pending expiry, and the due ones
-- in time order. Partial, so it holds only messages still waiting.
CREATE INDEX messages_by_expiry ON messages(expires_at)
    WHERE expires_at IS NOT NULL AND deleted_at IS NULL;

-- Server roles and deactivation.
ALTER TABLE users ADD COLUMN server_role TEXT NOT NULL DEFAULT 'member'
    CHECK (server_role IN ('admin', 'member'));
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

-- Server settings changeable by admins at run time (key → value).
CREATE TABLE server_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Invite links. Only the SHA-256 of the code is kept, like session tokens.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    code_hash   BLOB    NOT NULL UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    max_uses    INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),
    uses        INTEGER NOT NULL DEFAULT 0,
    -- a private room the invited person joins on sign-up
    room_id     INTEGER REFERENCES rooms(id) ON DELETE CASCADE,
    revoked_at  INTEGER
);

-- The first account is the server's admin (on an existing server: the
-- oldest account; `natter admin promote` names others).
UPDATE users SET server_role = 'admin' WHERE id = (SELECT min(id) FROM users);

-- Moderation: who is banned from which room (a banned user cannot rejoin
-- or be added back), and the audit log of admin and moderator actions.
CREATE TABLE room_bans (
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    banned_by  INTEGER NOT NULL REFERENCES users(id),
    banned_at  INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

-- Append-only: no route or command changes or deletes a row.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL REFERENCES users(id),
    action    TEXT    NOT NULL,
    -- what was acted on, in words: a username, an invite id, a message seq
    target    TEXT    NOT NULL,
    room_id   INTEGER REFERENCES rooms(id) ON DELETE SET NULL
);
