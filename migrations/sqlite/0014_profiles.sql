-- Version 14: profiles (issue 17): a display name besides the username,
-- and an avatar.
--
-- One row per person who set either; no row: neither. The avatar is two
-- server-made images in the file store (256 and 64 pixels square, EXIF
-- and all metadata gone); the original upload is not kept. The big key is
-- the avatar's version: a new avatar is new keys, so its URL changes and
-- browsers may cache each URL forever. Replaced keys go to
-- `file_deletions` in the same transaction.
CREATE TABLE profiles (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    display_name     TEXT,
    avatar_key       TEXT,
    avatar_small_key TEXT,
    avatar_mime      TEXT,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX profiles_by_avatar ON profiles(avatar_key);
CREATE INDEX profiles_by_small_avatar ON profiles(avatar_small_key);
