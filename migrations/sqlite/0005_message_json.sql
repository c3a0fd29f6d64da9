-- Each message keeps its public JSON form, written when the message is
-- stored or changed, so history pages are read without re-encoding.
-- Rows from before this version are filled in by the migration's Rust step
-- (an empty text means "not encoded yet").
ALTER TABLE messages ADD COLUMN json TEXT NOT NULL DEFAULT '';
