-- Version 15: message reports, changes made by `natter admin` for a
-- running server to apply, the keys of imported rows, and command-line
-- actions in the audit log.

-- A member's report of a message to the admins. One open report per
-- (message, reporter); a report goes with its message (an expired message
-- leaves nothing behind, not even in a report).
CREATE TABLE message_reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- open | resolved | dismissed
    state       TEXT    NOT NULL DEFAULT 'open',
    closed_by   INTEGER REFERENCES users(id),
    closed_at   INTEGER
);
CREATE UNIQUE INDEX message_reports_one_open
    ON message_reports (message_id, reporter_id) WHERE state = 'open';
CREATE INDEX message_reports_by_message ON message_reports (message_id);
CREATE INDEX message_reports_by_reporter ON message_reports (reporter_id) WHERE state = 'open';

-- What `natter admin` changed in the database, as the events the server
-- would have published (bus wire format). A running server reads new rows,
-- publishes them (its caches forget, sockets of ended sessions close) and
-- stamps `applied_at`, which the command waits for. Pruned after a day.
CREATE TABLE outside_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    events     BLOB    NOT NULL,
    applied_at INTEGER
);

-- Each imported user, room, message and reaction by its source key
-- (`natter admin import-slack`): a second run finds them and adds nothing.
CREATE TABLE import_keys (
    kind     TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    local_id INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- Command-line actions have no signed-in actor: `actor_id` may be NULL
-- (shown as "natter admin"). SQLite cannot drop a NOT NULL, so the table is
-- copied; still append-only.
CREATE TABLE audit_log_v15 (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER REFERENCES users(id),
    action    TEXT    NOT NULL,
    -- what was acted on, in words: a username, an invite id, a message seq
    target    TEXT    NOT NULL,
    room_id   INTEGER REFERENCES rooms(id) ON DELETE SET NULL
);
INSERT INTO audit_log_v15 (id, at, actor_id, action, target, room_id)
    SELECT id, at, actor_id, action, target, room_id FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_v15 RENAME TO audit_log;
