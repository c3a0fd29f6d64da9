-- Version 9: a message deleted or expired drops its waiting pushes (the
-- trigger message_deleted_clears) through an index, not a scan of every
-- subscription's queue for each message.
CREATE INDEX push_queue_by_message ON push_queue (room_id, seq);
