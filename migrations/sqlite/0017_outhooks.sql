-- Version 17: outgoing webhooks (issue 19) — room events POSTed to a URL,
-- signed, at least once and in seq order per room, from a stored cursor.

-- A hook delivers its room's events to `url`, signed with `secret` (kept
-- as shown: signing needs it). Replies in the receiver's answer are posted
-- as `bot_id`. Paused hooks keep their cursor and resume from it.
CREATE TABLE out_hooks (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    bot_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    made_by      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    paused_at    INTEGER,
    pause_reason TEXT
);
CREATE INDEX out_hooks_by_room ON out_hooks(room_id);

-- The last event delivered to a hook, per room.
CREATE TABLE out_hook_cursors (
    hook_id INTEGER NOT NULL REFERENCES out_hooks(id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (hook_id, room_id)
) WITHOUT ROWID;

-- The hook's latest delivery attempts (trimmed to the newest few per hook).
CREATE TABLE out_hook_log (
    id         INTEGER PRIMARY KEY,
    hook_id    INTEGER NOT NULL REFERENCES out_hooks(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    room_id    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    attempt    INTEGER NOT NULL,
    -- the receiver's HTTP status; NULL when it did not answer
    status     INTEGER,
    latency_ms INTEGER NOT NULL,
    -- why the attempt failed; NULL on success
    error      TEXT
);
CREATE INDEX out_hook_log_by_hook ON out_hook_log(hook_id, id);
