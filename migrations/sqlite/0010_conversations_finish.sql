-- Version 10: group conversations (group DMs, issue 16).
--
-- A group conversation is a private room of 3 to 8 people, named by them,
-- that opening the same set of people again finds instead of making a new
-- one. It is found by its current members (people added later count), so
-- no member list is copied here.
CREATE TABLE group_conversations (
    room_id    INTEGER PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
