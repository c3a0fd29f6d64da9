-- Version 16: integrations — bots, API tokens and incoming webhooks.

-- A user is a person or a bot. A bot has an owner (a person), no password
-- (nobody signs in as it) and acts only through API tokens and webhooks,
-- so its messages, memberships and rate limits go the people's way.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person'
    CHECK (kind IN ('person', 'bot'));
ALTER TABLE users ADD COLUMN bot_owner_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
-- A bot's avatar: one emoji (NULL: the default).
ALTER TABLE users ADD COLUMN bot_avatar TEXT;
CREATE INDEX users_bots_by_owner ON users(bot_owner_id) WHERE bot_owner_id IS NOT NULL;

-- API tokens. Only the SHA-256 of the token is kept (like sessions), and
-- its first characters to tell tokens apart in a list. `user_id` is who
-- the token acts as (its maker, or one of the maker's bots); `made_by`
-- the person who made it: deactivating them revokes it.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    made_by      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- any of read, post, manage_rooms, comma-separated
    scopes       TEXT    NOT NULL,
    -- 1: only the rooms in api_token_rooms
    limited      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_by_maker ON api_tokens(made_by);

CREATE TABLE api_token_rooms (
    token_id INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    room_id  INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, room_id)
) WITHOUT ROWID;

-- Incoming webhooks: a secret URL that posts into one room as a bot. Only
-- the SHA-256 of the secret is kept.
CREATE TABLE room_hooks (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    bot_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    made_by      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX room_hooks_by_room ON room_hooks(room_id);
