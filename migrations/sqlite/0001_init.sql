-- Natter schema, version 1: users, sessions, rooms, memberships, messages.
-- Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    -- lower-cased username: uniqueness ignores case
    username_key  TEXT    NOT NULL UNIQUE,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

-- Only the SHA-256 of a session token is kept, so a copy of the database
-- does not hand out live sessions.
CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE rooms (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('public', 'private', 'direct')),
    -- NULL for direct rooms, whose name is the other member's
    name        TEXT,
    name_key    TEXT,
    -- "<smaller user id>:<larger user id>" for direct rooms, so a pair has one
    direct_key  TEXT    UNIQUE,
    auto_join   INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    -- the last seq handed out in this room; bumped in the insert's transaction
    last_seq    INTEGER NOT NULL DEFAULT 0,
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL)),
    CHECK ((kind = 'direct') = (name IS NULL))
);
-- Public names are unique; private rooms may share names so that a taken
-- name never reveals a private room.
CREATE UNIQUE INDEX rooms_public_name ON rooms(name_key) WHERE kind = 'public';

CREATE TABLE memberships (
    room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    joined_at     INTEGER NOT NULL,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_user ON memberships(user_id, room_id);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    author_id   INTEGER NOT NULL REFERENCES users(id),
    client_id   TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (room_id, seq),
    -- a retried send finds its original here: idempotency lives in the database
    UNIQUE (author_id, client_id)
);

INSERT INTO rooms (id, kind, name, name_key, auto_join, created_at)
VALUES (1, 'public', 'general', 'general', 1, CAST(unixepoch('subsec') * 1000 AS INTEGER));
