-- Version 18: custom slash commands and the bots' resumable event feed.

-- A room's custom slash command: `/name text` typed there is POSTed,
-- signed with `secret` (kept as is: signing needs it, as an outgoing
-- hook's), to `url`, and the answer is posted as `bot_id` or shown to the
-- caller only.
CREATE TABLE slash_commands (
    id          INTEGER PRIMARY KEY,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    bot_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    made_by     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (room_id, name)
);

-- Where each API token acknowledged having handled its rooms' events up
-- to: a restarted bot resumes from here without keeping state. One row per
-- (token, room), at most the rooms the token's user is in.
CREATE TABLE feed_positions (
    token_id INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    room_id  INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (token_id, room_id)
) WITHOUT ROWID;
