-- Version 26: the search index in slices of 100,000 messages by id, one
-- FTS5 table each (`message_search_<n>`, made by the store when its first
-- message is indexed, and listed here).
--
-- FTS5 merges a table's segments inside whichever write comes next, and
-- copies each word's whole list of rows when it does: in one table of a
-- million messages, one write in a few held the writer, and every send
-- behind it, for 20-90 ms (sends' ack p99 27 ms, against 7.5 ms with a
-- hundred thousand messages; BENCHMARKS.md, issue 18). In slices no merge
-- handles more than one slice's rows (storage/sqlite/search_slices.rs).
--
-- The index is made again: the batch indexer (search_queue.rs) takes every
-- message from the first again, behind the sends, as after a crash.
DROP TABLE message_search;
CREATE TABLE search_slices (
    slice INTEGER PRIMARY KEY
);
UPDATE search_progress SET indexed_through = 0;
