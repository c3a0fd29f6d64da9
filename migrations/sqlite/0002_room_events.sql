-- Version 2: edits and deletions, and the log of room events besides
-- message creation. A message's creation is its row in `messages`; every
-- later change to it is a row here, with the next seq of the room, so a
-- client that resumes from a seq replays both in one order.

ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

CREATE TABLE room_events (
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    -- the event as JSON (domain::RoomEvent), written once and replayed as is
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
