-- Version 10: group conversations (group DMs) and statuses (issue 16).
--
-- A group conversation is a private room of 3 to 8 people, named by them,
-- that opening the same set of people again finds instead of making a new
-- one. It is found by its current members (people added later count), so
-- no member list is copied here.
CREATE TABLE group_conversations (
    room_id    INTEGER PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);

-- A person's status: a line and an emoji beside their name, until `until`
-- (ms since the epoch; NULL: until changed). No row: no status. Reads skip
-- an ended status, so it needs no sweeper.
CREATE TABLE user_statuses (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    text    TEXT    NOT NULL,
    emoji   TEXT,
    until   INTEGER,
    set_at  INTEGER NOT NULL
);
