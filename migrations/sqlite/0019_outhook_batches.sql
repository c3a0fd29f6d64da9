-- A hook may take its events in batches: one signed POST of
-- {"events":[...]} per read of the log instead of one per event
-- (docs/webhooks.md); off unless asked for when the hook is made.
ALTER TABLE out_hooks ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
