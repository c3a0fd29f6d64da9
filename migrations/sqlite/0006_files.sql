-- Version 6: attachments and full-text search.
--
-- Uploads: one row per stored file, made once its bytes are durable in the
-- file store. Unattached (message_id NULL) until a message takes it in the
-- message's own transaction; the orphan sweep removes unattached rows (and
-- their files) after a while. The key is the server-made file name (128
-- random bits as hex), never the client's.
CREATE TABLE uploads (
    key            TEXT    PRIMARY KEY,
    uploader_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- the client's name, sanitised for display (files::DisplayName)
    name           TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    -- sniffed from the content, never the client's word
    mime           TEXT    NOT NULL,
    sha256         TEXT    NOT NULL,
    width          INTEGER,
    height         INTEGER,
    preview_key    TEXT,
    preview_mime   TEXT,
    preview_width  INTEGER,
    preview_height INTEGER,
    message_id     INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    position       INTEGER,
    created_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX uploads_by_message ON uploads(message_id) WHERE message_id IS NOT NULL;
-- the quota sums a user's uploads
CREATE INDEX uploads_by_uploader ON uploads(uploader_id);
-- the orphan sweep asks whether a file is some upload's preview
CREATE INDEX uploads_by_preview ON uploads(preview_key) WHERE preview_key IS NOT NULL;

-- A message's attachments as the JSON array its public form carries
-- (domain::Attachment), NULL when it has none: history and replay read
-- them with the row, without a join.
ALTER TABLE messages ADD COLUMN files TEXT;

-- Full-text search (search::schema::SQLITE_INDEX): contentless, keyed by
-- messages.id, kept in step in the transaction of every insert, edit and
-- deletion.
CREATE VIRTUAL TABLE message_search USING fts5(
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO message_search (rowid, body)
SELECT id, body FROM messages WHERE deleted_at IS NULL;
