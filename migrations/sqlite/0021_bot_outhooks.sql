-- Version 21: a bot's outgoing webhooks (issue 19, "per bot"): a hook with
-- no room delivers the events of every room its bot is a member of.
--
-- `room_id` becomes nullable: NULL is a bot's hook (its bot is `bot_id`).
-- SQLite cannot drop a NOT NULL, so the three tables are copied. The
-- copies of the cursors and the log refer to the new hooks table before it
-- takes the old name (the rename rewrites those references): dropping the
-- old table with foreign keys on would otherwise empty them by cascade.
CREATE TABLE out_hooks_v21 (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER REFERENCES rooms(id) ON DELETE CASCADE,
    bot_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    made_by      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    paused_at    INTEGER,
    pause_reason TEXT,
    batch        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO out_hooks_v21 (id, room_id, bot_id, made_by, name, url, secret, created_at,
                           paused_at, pause_reason, batch)
    SELECT id, room_id, bot_id, made_by, name, url, secret, created_at, paused_at, pause_reason,
           batch
    FROM out_hooks;

CREATE TABLE out_hook_cursors_v21 (
    hook_id INTEGER NOT NULL REFERENCES out_hooks_v21(id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (hook_id, room_id)
) WITHOUT ROWID;
INSERT INTO out_hook_cursors_v21 (hook_id, room_id, seq)
    SELECT hook_id, room_id, seq FROM out_hook_cursors;

CREATE TABLE out_hook_log_v21 (
    id         INTEGER PRIMARY KEY,
    hook_id    INTEGER NOT NULL REFERENCES out_hooks_v21(id) ON DELETE CASCADE,
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
INSERT INTO out_hook_log_v21 (id, hook_id, at, room_id, seq, attempt, status, latency_ms, error)
    SELECT id, hook_id, at, room_id, seq, attempt, status, latency_ms, error FROM out_hook_log;

DROP TABLE out_hook_log;
DROP TABLE out_hook_cursors;
DROP TABLE out_hooks;
ALTER TABLE out_hooks_v21 RENAME TO out_hooks;
ALTER TABLE out_hook_cursors_v21 RENAME TO out_hook_cursors;
ALTER TABLE out_hook_log_v21 RENAME TO out_hook_log;
CREATE INDEX out_hooks_by_room ON out_hooks(room_id);
-- A bot's hooks, found by its bot.
CREATE INDEX out_hooks_by_bot ON out_hooks(bot_id) WHERE room_id IS NULL;
CREATE INDEX out_hook_log_by_hook ON out_hook_log(hook_id, id);
