-- Version 11: the search index is written behind the messages, in batches.
--
-- A new message is indexed by a later writer transaction together with
-- hundreds of others (FTS5 writes a segment and does merge work at every
-- commit, which cost 28-30% of durable socket sends when every group of
-- sends paid it). `indexed_through` is the newest messages.id the index
-- has taken (ids only grow): everything above it is still to index, also
-- after a crash. A search first indexes what is pending, so it sees every
-- message sent before it; edits and deletions of indexed messages still
-- change the index in their own transaction.
CREATE TABLE search_progress (
    only            INTEGER PRIMARY KEY CHECK (only = 1),
    indexed_through INTEGER NOT NULL
);
-- Version 6 indexed every message in its own transaction until now.
INSERT INTO search_progress (only, indexed_through)
SELECT 1, coalesce(max(id), 0) FROM messages;
