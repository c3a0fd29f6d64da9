//! Web Push in SQLite: the VAPID key row, subscriptions (removed with the
//! session that made them, by the foreign key), the per-subscription queue
//! and the delivery cursors.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{NotificationLevel, RoomId, Seq, Timestamp, UserId};
use crate::storage::{
    NewPushSubscription, PushCandidate, PushSubscriptionRecord, QueuedPush, StoreError, StoreResult,
};

fn push_key_or(c: &Connection, made: &str, now: Timestamp) -> StoreResult<String> {
    // ON CONFLICT DO NOTHING: two nodes starting at once keep the first key.
    c.prepare_cached(
        "INSERT INTO push_keys (id, pem, created_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![made, now.millis()])?;
    Ok(c.prepare_cached("SELECT pem FROM push_keys WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<PushSubscriptionRecord> {
    Ok(PushSubscriptionRecord {
        id: r.get(0)?,
        user_id: UserId(r.get(1)?),
        endpoint: r.get(2)?,
        p256dh: r.get(3)?,
        auth: r.get(4)?,
        created_at: Timestamp(r.get(5)?),
    })
}

const SELECT: &str =
    "SELECT id, user_id, endpoint, p256dh, auth, created_at FROM push_subscriptions";

fn add_subscription(
    c: &Connection,
    new: &NewPushSubscription,
    max: u32,
    now: Timestamp,
) -> StoreResult<PushSubscriptionRecord> {
    let others: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM push_subscriptions WHERE user_id = ?1 AND endpoint <> ?2",
        )?
        .query_row(params![new.user_id.0, new.endpoint], |r| r.get(0))?;
    if others >= i64::from(max) {
        return Err(StoreError::Conflict);
    }
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO push_subscriptions
                 (user_id, session_hash, endpoint, p256dh, auth, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
                 session_hash = excluded.session_hash, p256dh = excluded.p256dh,
                 auth = excluded.auth
             RETURNING id",
        )?
        .query_row(
            params![
                new.user_id.0,
                &new.session_hash[..],
                new.endpoint,
                new.p256dh,
                new.auth,
                now.millis()
            ],
            |r| r.get(0),
        )?;
    subscription(c, id)?.ok_or(StoreError::NotFound)
}

fn subscription(c: &Connection, id: i64) -> StoreResult<Option<PushSubscriptionRecord>> {
    Ok(c.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], record)
        .optional()?)
}

fn subscriptions_of(c: &Connection, user: UserId) -> StoreResult<Vec<PushSubscriptionRecord>> {
    let mut stmt = c.prepare_cached(&format!("{SELECT} WHERE user_id = ?1 ORDER BY id"))?;
    let rows = stmt
        .query_map([user.0], record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn delete_subscription(c: &Connection, id: i64, owner: Option<UserId>) -> StoreResult<bool> {
    let n = c
        .prepare_cached(
            "DELETE FROM push_subscriptions WHERE id = ?1 AND (?2 IS NULL OR user_id = ?2)",
        )?
        .execute(params![id, owner.map(|u| u.0)])?;
    Ok(n > 0)
}

fn candidates(
    c: &Connection,
    room: RoomId,
    author: UserId,
    at: Timestamp,
) -> StoreResult<Vec<PushCandidate>> {
    let mut stmt = c.prepare_cached(
        "SELECT ps.id, ms.user_id, u.username, nl.level, u.quiet_until
         FROM memberships ms
         JOIN push_subscriptions ps ON ps.user_id = ms.user_id
         JOIN users u ON u.id = ms.user_id
         LEFT JOIN notification_levels nl ON nl.room_id = ms.room_id AND nl.user_id = ms.user_id
         WHERE ms.room_id = ?1 AND ms.user_id <> ?2 AND ms.joined_at <= ?3
         ORDER BY ps.id",
    )?;
    let rows = stmt
        .query_map(params![room.0, author.0, at.millis()], |r| {
            Ok(PushCandidate {
                subscription: r.get(0)?,
                user_id: UserId(r.get(1)?),
                username: r.get(2)?,
                level: r
                    .get::<_, Option<String>>(3)?
                    .map_or_else(NotificationLevel::default, |l| {
                        NotificationLevel::from_db(&l)
                    }),
                quiet_until: r.get::<_, Option<i64>>(4)?.map(Timestamp),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn queue(c: &Connection, pushes: &[QueuedPush], per_subscription: u32) -> StoreResult<()> {
    for push in pushes {
        c.prepare_cached(
            "INSERT INTO push_queue (subscription_id, room_id, seq, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (subscription_id, room_id, seq) DO NOTHING",
        )?
        .execute(params![
            push.subscription,
            push.room.0,
            push.seq.0,
            push.body
        ])?;
        // The bound: a phone off for a week gets the latest pushes, not all.
        c.prepare_cached(
            "DELETE FROM push_queue WHERE subscription_id = ?1 AND id NOT IN
               (SELECT id FROM push_queue WHERE subscription_id = ?1 ORDER BY id DESC LIMIT ?2)",
        )?
        .execute(params![push.subscription, per_subscription])?;
    }
    Ok(())
}

fn queued(c: &Connection, subscription: i64, limit: u32) -> StoreResult<Vec<QueuedPush>> {
    let mut stmt = c.prepare_cached(
        "SELECT room_id, seq, body FROM push_queue WHERE subscription_id = ?1
         ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![subscription, limit], |r| {
            Ok(QueuedPush {
                subscription,
                room: RoomId(r.get(0)?),
                seq: Seq(r.get(1)?),
                body: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn waiting(c: &Connection, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM push_queue
           WHERE subscription_id = ?1 AND room_id = ?2 AND seq = ?3)",
    )?
    .query_row(params![subscription, room.0, seq.0], |r| r.get(0))?)
}

fn cursors(c: &Connection, subscription: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
    let mut stmt =
        c.prepare_cached("SELECT room_id, seq FROM push_cursors WHERE subscription_id = ?1")?;
    let rows = stmt
        .query_map([subscription], |r| Ok((RoomId(r.get(0)?), Seq(r.get(1)?))))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn save_cursor(c: &Connection, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO push_cursors (subscription_id, room_id, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (subscription_id, room_id) DO UPDATE SET seq = excluded.seq",
    )?
    .execute(params![subscription, room.0, seq.0])?;
    c.prepare_cached(
        "DELETE FROM push_queue WHERE subscription_id = ?1 AND room_id = ?2 AND seq <= ?3",
    )?
    .execute(params![subscription, room.0, seq.0])?;
    Ok(())
}

fn with_queued(c: &Connection) -> StoreResult<Vec<i64>> {
    let mut stmt = c.prepare_cached("SELECT DISTINCT subscription_id FROM push_queue")?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[async_trait::async_trait]
impl crate::storage::Push for super::SqliteStore {
    async fn push_key_or(&self, made: String) -> StoreResult<String> {
        self.writer
            .write(move |c, _| push_key_or(c, &made, Timestamp::now()))
            .await
    }

    async fn add_push_subscription(
        &self,
        new: NewPushSubscription,
        max_per_user: u32,
    ) -> StoreResult<PushSubscriptionRecord> {
        self.writer
            .write(move |c, _| add_subscription(c, &new, max_per_user, Timestamp::now()))
            .await
    }

    async fn push_subscriptions_of(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<PushSubscriptionRecord>> {
        self.readers.read(move |c| subscriptions_of(c, user)).await
    }

    async fn push_subscription(&self, id: i64) -> StoreResult<Option<PushSubscriptionRecord>> {
        self.readers.read_quick(move |c| subscription(c, id)).await
    }

    async fn delete_push_subscription(&self, id: i64, owner: Option<UserId>) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| delete_subscription(c, id, owner))
            .await
    }

    async fn push_candidates(
        &self,
        room: RoomId,
        author: UserId,
        at: Timestamp,
    ) -> StoreResult<Vec<PushCandidate>> {
        self.readers
            .read(move |c| candidates(c, room, author, at))
            .await
    }

    async fn queue_pushes(
        &self,
        pushes: Vec<QueuedPush>,
        per_subscription: u32,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| queue(c, &pushes, per_subscription))
            .await
    }

    async fn queued_pushes(&self, subscription: i64, limit: u32) -> StoreResult<Vec<QueuedPush>> {
        self.readers
            .read(move |c| queued(c, subscription, limit))
            .await
    }

    async fn push_waiting(&self, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<bool> {
        self.readers
            .read_quick(move |c| waiting(c, subscription, room, seq))
            .await
    }

    async fn push_cursors(&self, subscription: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers.read(move |c| cursors(c, subscription)).await
    }

    async fn save_push_cursor(&self, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<()> {
        self.writer
            .write(move |c, _| save_cursor(c, subscription, room, seq))
            .await
    }

    async fn subscriptions_with_queued_pushes(&self) -> StoreResult<Vec<i64>> {
        self.readers.read(with_queued).await
    }

    async fn any_push_subscription(&self) -> StoreResult<bool> {
        self.readers
            .read_quick(|c| {
                Ok(c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM push_subscriptions)",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
    }
}
