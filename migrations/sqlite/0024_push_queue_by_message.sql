-- Version 24: a message deleted or expired drops its waiting pushes
-- (the trigger of version 13) through an index, not a scan of every
-- subscription's queue for each message: with a million messages
-- expiring, that scan ran a million times.
CREATE INDEX push_queue_by_message ON push_queue (room_id, seq);
