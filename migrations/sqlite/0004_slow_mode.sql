-- Version 4: per-room slow mode (seconds between one member's messages; 0 is off).
ALTER TABLE rooms ADD COLUMN slow_mode_secs INTEGER NOT NULL DEFAULT 0
    CHECK (slow_mode_secs BETWEEN 0 AND 86400);
