-- Version 5: when each member last sent in a room in slow mode, so that
-- slow mode holds across nodes: the send's own transaction checks and
-- updates the row in one statement, and two nodes cannot both pass
-- (storage/postgres/send_limits.rs). One row per member who sent in a
-- room in slow mode: bounded by the memberships. Milliseconds of the
-- database's clock, so the nodes' clocks do not matter.
CREATE TABLE room_slow_mode_last (
    room_id      BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_sent_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
