//! Web Push in PostgreSQL: the VAPID key row (one for every node),
//! subscriptions (removed with the session that made them, by the foreign
//! key), the per-subscription queue and the delivery cursors. A deleted or
//! expired message takes its waiting pushes with it
//! (`message_deleted_clears` in the schema).

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::PgStore;
use crate::domain::{NotificationLevel, RoomId, Seq, Timestamp, UserId};
use crate::storage::{
    NewPushSubscription, Push, PushCandidate, PushSubscriptionRecord, QueuedPush, StoreError,
    StoreResult,
};

fn push_key_or(c: &mut impl GenericClient, made: &str, now: Timestamp) -> StoreResult<String> {
    // ON CONFLICT DO NOTHING: two nodes starting at once keep the first key.
    c.execute(
        "INSERT INTO push_keys (id, pem, created_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO NOTHING",
        &[&made, &now.millis()],
    )?;
    let row = c
        .query_opt("SELECT pem FROM push_keys WHERE id = 1", &[])?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get(0)?)
}

fn record(r: &Row) -> StoreResult<PushSubscriptionRecord> {
    Ok(PushSubscriptionRecord {
        id: r.try_get(0)?,
        user_id: UserId(r.try_get(1)?),
        endpoint: r.try_get(2)?,
        p256dh: r.try_get(3)?,
        auth: r.try_get(4)?,
        created_at: Timestamp(r.try_get(5)?),
    })
}

const SELECT: &str =
    "SELECT id, user_id, endpoint, p256dh, auth, created_at FROM push_subscriptions";

/// The per-user bound is checked under a lock on the user's row: two
/// nodes adding at once for one user take turns, so neither passes it.
fn add_subscription(
    c: &mut impl GenericClient,
    new: &NewPushSubscription,
    max: u32,
    now: Timestamp,
) -> StoreResult<PushSubscriptionRecord> {
    // (No such user: the insert below fails on its foreign key, as in SQLite.)
    c.execute(
        "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE",
        &[&new.user_id.0],
    )?;
    let others: i64 = c
        .query_one(
            "SELECT count(*) FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2",
            &[&new.user_id.0, &new.endpoint],
        )?
        .try_get(0)?;
    if others >= i64::from(max) {
        return Err(StoreError::Conflict);
    }
    let id: i64 = c
        .query_one(
            "INSERT INTO push_subscriptions
                 (user_id, session_hash, endpoint, p256dh, auth, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
                 session_hash = excluded.session_hash, p256dh = excluded.p256dh,
                 auth = excluded.auth
             RETURNING id",
            &[
                &new.user_id.0,
                &&new.session_hash[..],
                &new.endpoint,
                &new.p256dh,
                &new.auth,
                &now.millis(),
            ],
        )?
        .try_get(0)?;
    subscription(c, id)?.ok_or(StoreError::NotFound)
}

fn subscription(
    c: &mut impl GenericClient,
    id: i64,
) -> StoreResult<Option<PushSubscriptionRecord>> {
    c.query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])?
        .as_ref()
        .map(record)
        .transpose()
}

fn subscriptions_of(
    c: &mut impl GenericClient,
    user: UserId,
) -> StoreResult<Vec<PushSubscriptionRecord>> {
    c.query(
        &format!("{SELECT} WHERE user_id = $1 ORDER BY id"),
        &[&user.0],
    )?
    .iter()
    .map(record)
    .collect()
}

fn delete_subscription(
    c: &mut impl GenericClient,
    id: i64,
    owner: Option<UserId>,
) -> StoreResult<bool> {
    let n = c.execute(
        "DELETE FROM push_subscriptions WHERE id = $1 AND ($2::bigint IS NULL OR user_id = $2)",
        &[&id, &owner.map(|u| u.0)],
    )?;
    Ok(n > 0)
}

fn candidates(
    c: &mut impl GenericClient,
    room: RoomId,
    author: UserId,
    at: Timestamp,
) -> StoreResult<Vec<PushCandidate>> {
    c.query(
        "SELECT ps.id, ms.user_id, u.username, nl.level, u.quiet_until
         FROM memberships ms
         JOIN push_subscriptions ps ON ps.user_id = ms.user_id
         JOIN users u ON u.id = ms.user_id
         LEFT JOIN notification_levels nl ON nl.room_id = ms.room_id AND nl.user_id = ms.user_id
         WHERE ms.room_id = $1 AND ms.user_id <> $2 AND ms.joined_at <= $3
         ORDER BY ps.id",
        &[&room.0, &author.0, &at.millis()],
    )?
    .iter()
    .map(|r| {
        Ok(PushCandidate {
            subscription: r.try_get(0)?,
            user_id: UserId(r.try_get(1)?),
            username: r.try_get(2)?,
            level: r
                .try_get::<_, Option<&str>>(3)?
                .map_or_else(NotificationLevel::default, NotificationLevel::from_db),
            quiet_until: r.try_get::<_, Option<i64>>(4)?.map(Timestamp),
        })
    })
    .collect()
}

fn queue(
    c: &mut impl GenericClient,
    pushes: &[QueuedPush],
    per_subscription: u32,
) -> StoreResult<()> {
    for push in pushes {
        c.execute(
            "INSERT INTO push_queue (subscription_id, room_id, seq, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (subscription_id, room_id, seq) DO NOTHING",
            &[&push.subscription, &push.room.0, &push.seq.0, &push.body],
        )?;
        // The bound: a phone off for a week gets the latest pushes, not all.
        c.execute(
            "DELETE FROM push_queue WHERE subscription_id = $1 AND id NOT IN
               (SELECT id FROM push_queue WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2)",
            &[&push.subscription, &i64::from(per_subscription)],
        )?;
    }
    Ok(())
}

fn queued(
    c: &mut impl GenericClient,
    subscription: i64,
    limit: u32,
) -> StoreResult<Vec<QueuedPush>> {
    c.query(
        "SELECT room_id, seq, body FROM push_queue WHERE subscription_id = $1
         ORDER BY id LIMIT $2",
        &[&subscription, &i64::from(limit)],
    )?
    .iter()
    .map(|r| {
        Ok(QueuedPush {
            subscription,
            room: RoomId(r.try_get(0)?),
            seq: Seq(r.try_get(1)?),
            body: r.try_get(2)?,
        })
    })
    .collect()
}

fn waiting(
    c: &mut impl GenericClient,
    subscription: i64,
    room: RoomId,
    seq: Seq,
) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS (SELECT 1 FROM push_queue
               WHERE subscription_id = $1 AND room_id = $2 AND seq = $3)",
        &[&subscription, &room.0, &seq.0],
    )?
    .try_get(0)?)
}

fn cursors(c: &mut impl GenericClient, subscription: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
    c.query(
        "SELECT room_id, seq FROM push_cursors WHERE subscription_id = $1",
        &[&subscription],
    )?
    .iter()
    .map(|r| Ok((RoomId(r.try_get(0)?), Seq(r.try_get(1)?))))
    .collect()
}

fn save_cursor(
    c: &mut impl GenericClient,
    subscription: i64,
    room: RoomId,
    seq: Seq,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO push_cursors (subscription_id, room_id, seq) VALUES ($1, $2, $3)
         ON CONFLICT (subscription_id, room_id) DO UPDATE SET seq = excluded.seq",
        &[&subscription, &room.0, &seq.0],
    )?;
    c.execute(
        "DELETE FROM push_queue WHERE subscription_id = $1 AND room_id = $2 AND seq <= $3",
        &[&subscription, &room.0, &seq.0],
    )?;
    Ok(())
}

fn with_queued(c: &mut impl GenericClient) -> StoreResult<Vec<i64>> {
    c.query("SELECT DISTINCT subscription_id FROM push_queue", &[])?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

#[async_trait]
impl Push for PgStore {
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
        self.readers.read(move |c| subscription(c, id)).await
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
            .read(move |c| waiting(c, subscription, room, seq))
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
            .read(|c| {
                Ok(
                    c.query_one("SELECT EXISTS (SELECT 1 FROM push_subscriptions)", &[])?
                        .try_get(0)?,
                )
            })
            .await
    }
}
