-- Version 23: the search index forgets a message by its words (FTS5's
-- `delete` command, given `messages.body` as the index took it), not by a
-- tombstone (`contentless_delete = 1`).
--
-- A tombstone goes into a hash table per index segment, and FTS5 rewrites
-- that whole table each time it fills: with a million messages expiring,
-- single writes held the writer (and every send behind it) for 0.1-0.3 s,
-- and each deletion rewrote a 4 KiB hash page. Words given back are written
-- like new ones, in the next small segment, and leave the index as merges
-- meet them, a bounded amount of work per write (BENCHMARKS.md, issue 18).
--
-- The index is made again: the batch indexer (search_queue.rs) takes every
-- message from the first again, behind the sends, as after a crash.
DROP TABLE message_search;
CREATE VIRTUAL TABLE message_search USING fts5(
    body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
UPDATE search_progress SET indexed_through = 0;
