-- Version 27: an index slice whose every message is expiring is dropped
-- whole once they are gone, instead of forgetting them word by word.
--
-- Forgetting a message's words writes delete entries that FTS5 merges
-- with the slice's rows inside later writes: with a million messages
-- expiring, those merges were the largest part of the cost the sends saw
-- (BENCHMARKS.md, issue 18). When every live message of a slice is due,
-- the expiry marks it (`doomed_left`: how many were live then), skips the
-- words, and drops the table once they are all erased (or once nothing is
-- due at all). Searches skip rows whose message is gone, as before.
-- `written_since_doomed`: something was indexed in the slice after it was
-- marked, so it is made again from its live messages when dropped.
ALTER TABLE search_slices ADD COLUMN doomed_left INTEGER;
ALTER TABLE search_slices ADD COLUMN written_since_doomed INTEGER NOT NULL DEFAULT 0;
