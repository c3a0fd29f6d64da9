-- Version 19: when each member last sent in a room in slow mode. The store
-- decides slow mode in the send's own transaction (storage/sqlite/send_limits.rs),
-- as on PostgreSQL, where it must hold across nodes. One row per member who
-- sent in a room in slow mode: bounded by the memberships.
CREATE TABLE room_slow_mode_last (
    room_id      INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_sent_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
