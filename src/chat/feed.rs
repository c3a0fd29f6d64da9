//! The bots' event feed: every room a token may read, followed by one
//! cursor (a seq per room), and the position each token acknowledged kept
//! by the server, so a restarted bot resumes where it left off without
//! keeping state. Reads go through the user's memberships and the token's
//! rooms: a room left or outside the token is never read, whatever the
//! cursor names.

use std::collections::BTreeMap;

use super::Chat;
use crate::domain::{FeedCursor, Grant, RoomEvent, RoomId, Seq, User, FEED_CURSOR_MAX_ROOMS};
use crate::error::{Error, Result};

/// The most events one feed answer carries.
pub const FEED_PAGE: u32 = 500;

/// One answer of the feed: events oldest first within each room, and the
/// cursor to ask from next (or to acknowledge once they are handled).
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub events: Vec<RoomEvent>,
    pub cursor: FeedCursor,
}

/// The rooms a feed follows, with each room's newest seq.
pub type FeedRooms = Vec<(RoomId, Seq)>;

impl Chat {
    /// The rooms `user` is in that the token (if any) may read, at most
    /// as many as a cursor may name.
    pub async fn feed_rooms(&self, user: &User, grant: Option<&Grant>) -> Result<FeedRooms> {
        let rooms = self.store.rooms_of(user.id).await?;
        Ok(rooms
            .into_iter()
            .filter(|r| grant.is_none_or(|g| g.room_allowed(r.room.id)))
            .take(FEED_CURSOR_MAX_ROOMS)
            .map(|r| (r.room.id, r.room.last_seq))
            .collect())
    }

    /// Where the feed starts in each room: the cursor's seq; for a room the
    /// cursor does not name, the token's acknowledged position; for a room
    /// without either, the last event before the user joined it (a bot
    /// added while it was down still gets what was said since).
    pub async fn feed_start(
        &self,
        user: &User,
        grant: Option<&Grant>,
        cursor: Option<FeedCursor>,
        rooms: &FeedRooms,
    ) -> Result<FeedCursor> {
        let mut known = cursor.map(|c| c.0).unwrap_or_default();
        if let Some(grant) = grant {
            for (room, seq) in self.store.feed_positions(grant.token_id).await? {
                known.entry(room).or_insert(seq);
            }
        }
        let new: Vec<RoomId> = rooms
            .iter()
            .map(|(room, _)| *room)
            .filter(|room| !known.contains_key(room))
            .collect();
        let joined: BTreeMap<RoomId, Seq> = if new.is_empty() {
            BTreeMap::new()
        } else {
            self.store
                .seqs_at_join(user.id, new)
                .await?
                .into_iter()
                .collect()
        };
        Ok(FeedCursor(
            rooms
                .iter()
                .map(|(room, _)| {
                    let seq = known
                        .get(room)
                        .or_else(|| joined.get(room))
                        .copied()
                        .unwrap_or(Seq(0));
                    (*room, seq)
                })
                .collect(),
        ))
    }

    /// The events after `from` in `rooms`, at most [`FEED_PAGE`] in all,
    /// and the cursor just past them.
    pub async fn feed_page(&self, rooms: &FeedRooms, from: &FeedCursor) -> Result<FeedPage> {
        let mut events = Vec::new();
        let mut cursor = from.clone();
        for (room, last) in rooms {
            let after = from.0.get(room).copied().unwrap_or(Seq(0));
            let room_left =
                FEED_PAGE.saturating_sub(u32::try_from(events.len()).unwrap_or(u32::MAX));
            if *last <= after || room_left == 0 {
                continue;
            }
            let replay = self.store.events_after(*room, after, room_left).await?;
            let reached = match replay.events.last() {
                Some(e) => e.seq,
                // Nothing left after `after` (expired or deleted): skip the
                // empty seqs so they are not asked for again.
                None => replay.last_seq.max(after),
            };
            cursor.0.insert(*room, reached);
            events.extend(replay.events);
        }
        Ok(FeedPage { events, cursor })
    }

    /// Remembers that the token handled its rooms' events up to `cursor`.
    /// Rooms it does not follow are ignored, and a seq past a room's newest
    /// is held to it, so an acknowledgement never skips what is not there yet.
    pub async fn acknowledge_feed(
        &self,
        user: &User,
        grant: Option<&Grant>,
        cursor: &FeedCursor,
    ) -> Result<()> {
        let Some(grant) = grant else {
            return Err(Error::invalid(
                "feed_needs_token",
                "Only an API token's position is kept: a signed-in browser keeps its own.",
            ));
        };
        let rooms = self.feed_rooms(user, Some(grant)).await?;
        let positions = rooms
            .iter()
            .filter_map(|(room, last)| cursor.0.get(room).map(|seq| (*room, (*seq).min(*last))))
            .collect();
        let following = rooms.iter().map(|(room, _)| *room).collect();
        self.store
            .acknowledge_feed(grant.token_id, following, positions)
            .await?;
        Ok(())
    }
}
