-- Version 7: conversations (issue 16): reactions, pins, saved messages and
-- room care (topic, archive, who may pin).
--
-- Reactions and pins keep the room and the message's seq beside the
-- message id, so a history page finds its reactions by the same seq range
-- it read, with one index probe and no join.

CREATE TABLE reactions (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- one emoji as Unicode text (checked against the emoji set on the way in)
    emoji       TEXT    NOT NULL,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    message_seq INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    -- one reaction per (message, user, emoji): a repeated add is a no-op
    PRIMARY KEY (message_id, user_id, emoji)
) WITHOUT ROWID;
CREATE INDEX reactions_by_room_seq ON reactions (room_id, message_seq);

CREATE TABLE pins (
    message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    message_seq INTEGER NOT NULL,
    pinned_by   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pinned_at   INTEGER NOT NULL
);
CREATE INDEX pins_by_room ON pins (room_id, message_seq);

-- Bookmarks are private to their user; reads join memberships, so a
-- message from a room the user left is not shown.
CREATE TABLE saved_messages (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    saved_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;
CREATE INDEX saved_by_message ON saved_messages (message_id);

-- 'members' (any member may pin) or 'owners'.
ALTER TABLE rooms ADD COLUMN pin_policy TEXT NOT NULL DEFAULT 'members';
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
-- Set while the room is archived: read-only and out of the directory.
ALTER TABLE rooms ADD COLUMN archived_at INTEGER;

-- A deleted message keeps its row (its seq stays in the log) but loses
-- everything hung on it.
CREATE TRIGGER message_deleted_clears_conversation
AFTER UPDATE OF deleted_at ON messages
WHEN NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM reactions WHERE message_id = NEW.id;
    DELETE FROM pins WHERE message_id = NEW.id;
    DELETE FROM saved_messages WHERE message_id = NEW.id;
END;
