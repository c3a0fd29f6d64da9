-- A hook may take its events in batches (sqlite 0019).
ALTER TABLE out_hooks ADD COLUMN batch BOOLEAN NOT NULL DEFAULT false;
