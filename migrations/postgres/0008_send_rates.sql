-- Version 8: each user's send bucket, shared by every node, so the per-user
-- send rate holds across nodes (storage/postgres/send_rates.rs). UNLOGGED:
-- a bucket is not worth a WAL write on every send, and a crash of the
-- database only refills the buckets. One row per user who sent; no
-- foreign key, so one deleted account cannot fail a statement that takes
-- the tokens of many users at once (its row is small and never read).
-- Times are milliseconds of the database's clock; the rate it was last
-- taken at is kept beside the tokens, and `granted` is how many asks the
-- last statement granted.
CREATE UNLOGGED TABLE user_send_rates (
    user_id BIGINT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    at_ms   DOUBLE PRECISION NOT NULL,
    burst   DOUBLE PRECISION NOT NULL,
    per_ms  DOUBLE PRECISION NOT NULL,
    granted INTEGER NOT NULL
) WITH (fillfactor = 70);
