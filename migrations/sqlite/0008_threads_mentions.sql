-- Version 8: threads, mentions and notification levels.
--
-- A reply is a message of its room (its own seq) that names the seq of its
-- thread's first message (`thread_root`). Replies stay out of the room's
-- timeline unless sent there too (`also_in_room`). The thread's summary
-- (reply count, last reply, who took part) lives in the first message's
-- stored JSON, rewritten with each reply.
ALTER TABLE messages ADD COLUMN thread_root INTEGER;
ALTER TABLE messages ADD COLUMN also_in_room INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_by_thread ON messages(room_id, thread_root, seq)
    WHERE thread_root IS NOT NULL;

-- Who a message mentions, for the mentions inbox and the per-room mention
-- counts. `user_id` NULL is `@room`/`@here`: everyone in the room. Reads go
-- through the reader's current membership, so a room left is a room gone.
CREATE TABLE mentions (
    id          INTEGER PRIMARY KEY,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    UNIQUE (room_id, seq, user_id)
);
CREATE INDEX mentions_of_user ON mentions(user_id, room_id, seq);

-- Whether members (not only owners) may mention the whole room.
ALTER TABLE rooms ADD COLUMN members_mention_room INTEGER NOT NULL DEFAULT 0;

-- A member's notification level in a room; no row is the default
-- ('mentions': mentions and direct messages).
CREATE TABLE notification_levels (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level   TEXT    NOT NULL CHECK (level IN ('all', 'mentions', 'nothing')),
    PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;

-- Do not disturb until this time (ms since the epoch, UTC); NULL is off.
ALTER TABLE users ADD COLUMN quiet_until INTEGER;
