-- Version 13: Web Push (issue 16).
--
-- The server's VAPID key (PKCS#8 PEM), made on first start and kept here
-- rather than in a file, so that every node of a cluster signs with the
-- same key the browsers subscribed with. One row.
CREATE TABLE push_keys (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    pem        TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- A browser's push subscription. It belongs to the session that made it:
-- signing out (or the session ending any other way) removes it.
CREATE TABLE push_subscriptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash BLOB    NOT NULL REFERENCES sessions(token_hash) ON DELETE CASCADE,
    endpoint     TEXT    NOT NULL UNIQUE,
    p256dh       TEXT    NOT NULL,
    auth         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions(user_id);
CREATE INDEX push_subscriptions_by_session ON push_subscriptions(session_hash);

-- Pushes decided and waiting for delivery, each subscription's in the
-- order queued (a room's in seq order). A delivered one is removed with
-- the cursor's move; a subscription keeps a bounded number.
CREATE TABLE push_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    room_id         INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    body            BLOB    NOT NULL,
    UNIQUE (subscription_id, room_id, seq)
);

-- The last push delivered to a subscription per room (the delivery
-- worker's cursor: at least once, in order, across restarts).
CREATE TABLE push_cursors (
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    room_id         INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, room_id)
) WITHOUT ROWID;

-- A message deleted or expired before its push went out takes the waiting
-- push (and its excerpt) with it: expired means gone.
CREATE TRIGGER message_deleted_clears_pushes
AFTER UPDATE OF deleted_at ON messages
WHEN NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM push_queue WHERE room_id = NEW.room_id AND seq = NEW.seq;
END;
