-- A bot's outgoing webhooks (as SQLite's 0021): a hook with no room
-- (`room_id` NULL) delivers the events of every room its bot
-- (`bot_id`) is a member of.
ALTER TABLE out_hooks ALTER COLUMN room_id DROP NOT NULL;
-- A bot's hooks, found by its bot.
CREATE INDEX out_hooks_by_bot ON out_hooks(bot_id) WHERE room_id IS NULL;
