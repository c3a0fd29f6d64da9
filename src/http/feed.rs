//! The bots' feed over HTTP: `GET /api/v1/feed` long-polls every room a
//! token may read by one cursor, and `POST /api/v1/feed/ack` has the server
//! remember what the bot handled (docs/integrations.md).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery, CurrentUser};
use super::AppState;
use crate::chat::{FeedPage, FeedRooms, FEED_PAGE};
use crate::domain::{FeedCursor, RoomEvent, RoomId, Seq};
use crate::error::{Error, Result};
use crate::realtime::hub::Hub;
use crate::realtime::listener::{Listener, Outbound, Wake};

const FEED_MAX_WAIT: u64 = 30;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `cursor` of the previous answer; left out, the token's
    /// acknowledged position (for rooms without one: since it joined).
    pub cursor: Option<String>,
    /// Seconds to wait for something new when there is nothing yet (0–30).
    pub wait: Option<u64>,
    /// At most this many events (0–500, 500 by default); 0 only tells the
    /// position (to subscribe the stream from it).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedResponse {
    /// Events of all the rooms, each room's in seq order (at most 500).
    pub events: Vec<RoomEvent>,
    /// Pass it as `cursor` next time, and acknowledge it once the events
    /// are handled. Opaque.
    pub cursor: String,
    /// The same position, as the stream's `subscribe` takes it: room id to
    /// the last seq handed over.
    #[schema(value_type = BTreeMap<String, i64>)]
    pub rooms: BTreeMap<RoomId, Seq>,
}

/// GET /api/v1/feed — the events of every room I am in (that the token
/// may read), after a cursor, waiting up to `wait` seconds for one.
#[utoipa::path(get, path = "/api/v1/feed", tag = "stream", params(FeedQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = FeedResponse),
        (status = 400, body = ErrorBody, description = "A cursor this server did not make (`cursor_invalid`)"),
        (status = 403, body = ErrorBody, description = "A token without the `read` scope"),
    ))]
pub async fn feed(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Json<FeedResponse>> {
    let cursor = q.cursor.as_deref().map(FeedCursor::parse).transpose()?;
    let limit = q.limit.unwrap_or(FEED_PAGE).min(FEED_PAGE);
    let grant = me.grant.as_ref();
    let rooms = state.chat.feed_rooms(&me.user, grant).await?;
    let start = state
        .chat
        .feed_start(&me.user, grant, cursor, &rooms)
        .await?;
    if limit == 0 {
        return Ok(Json(answer(FeedPage {
            events: Vec::new(),
            cursor: start,
        })));
    }
    let page = state.chat.feed_page(&rooms, &start).await?;
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(FEED_MAX_WAIT));
    if !page.events.is_empty() || wait.is_zero() || rooms.is_empty() {
        return Ok(Json(answer(trimmed(page, &start, limit))));
    }
    // Listen first, then look again, so an event committed in between is not missed.
    let listener = state.hub.connect(&me.user, me.token.hash(), 64, None);
    let _registered = Registered {
        hub: &state.hub,
        listener: &listener,
        rooms: &rooms,
    };
    for (room, _) in &rooms {
        state.hub.subscribe(*room, &listener);
    }
    let page = state
        .chat
        .feed_page(&fresh(&state, &me, &start).await?, &start)
        .await?;
    if page.events.is_empty() {
        // Time running out is no error: the answer is the empty page.
        let _ = tokio::time::timeout(wait, news(&listener, &start)).await;
    } else {
        return Ok(Json(answer(trimmed(page, &start, limit))));
    }
    let page = state
        .chat
        .feed_page(&fresh(&state, &me, &start).await?, &start)
        .await?;
    Ok(Json(answer(trimmed(page, &start, limit))))
}

/// The rooms of `start` with their newest seqs read again: the first read
/// came before listening, and an event committed in between must count.
/// A room joined since is left for the next call (it has no start here).
async fn fresh(state: &AppState, me: &CurrentUser, start: &FeedCursor) -> Result<FeedRooms> {
    let rooms = state.chat.feed_rooms(&me.user, me.grant.as_ref()).await?;
    Ok(rooms
        .into_iter()
        .filter(|(room, _)| start.0.contains_key(room))
        .collect())
}

/// Waits for an event past the cursor in one of the rooms.
async fn news(listener: &Listener, start: &FeedCursor) {
    loop {
        match listener.next().await {
            Wake::Frames(batch) => {
                let any = batch.iter().any(|o| match o {
                    Outbound::Event { room, seq, .. } => {
                        start.0.get(room).is_none_or(|after| seq > after)
                    }
                    Outbound::Removed { .. } => true,
                    _ => false,
                });
                if any {
                    return;
                }
            }
            Wake::Kicked(_) => return,
            Wake::Heartbeat => {}
        }
    }
}

/// At most `limit` events; the cursor then stops at the last one handed
/// over in each room (rooms' events are whole runs, so cutting the tail
/// leaves every room's events a prefix of what was read).
fn trimmed(mut page: FeedPage, start: &FeedCursor, limit: u32) -> FeedPage {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if page.events.len() <= limit {
        return page;
    }
    page.events.truncate(limit);
    let mut cursor = start.clone();
    for event in &page.events {
        cursor.0.insert(event.room_id, event.seq);
    }
    page.cursor = cursor;
    page
}

fn answer(page: FeedPage) -> FeedResponse {
    FeedResponse {
        events: page.events,
        cursor: page.cursor.encode(),
        rooms: page.cursor.0,
    }
}

/// Unregisters the long-poll's listener however the request ends.
struct Registered<'a> {
    hub: &'a Hub,
    listener: &'a Listener,
    rooms: &'a FeedRooms,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.hub
            .disconnect(self.listener, self.rooms.iter().map(|(room, _)| *room));
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    /// A `cursor` from a feed answer whose events the bot has handled.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Or, for a bot on the stream: room id to the highest seq handled.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    pub rooms: Option<BTreeMap<i64, i64>>,
}

/// POST /api/v1/feed/ack — remember that this token handled its rooms'
/// events up to a cursor (or a seq per room, as the stream counts):
/// `GET /api/v1/feed` without a cursor resumes there.
#[utoipa::path(post, path = "/api/v1/feed/ack", tag = "stream", request_body = AckBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Stored (committed)"),
        (status = 400, body = ErrorBody, description = "A cursor this server did not make, neither or both of `cursor` and `rooms`, or a signed-in browser rather than an API token"),
        (status = 403, body = ErrorBody, description = "A token without the `read` scope"),
    ))]
pub async fn acknowledge(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<AckBody>,
) -> Result<StatusCode> {
    let cursor = match (body.cursor, body.rooms) {
        (Some(cursor), None) => FeedCursor::parse(&cursor)?,
        (None, Some(rooms)) => FeedCursor(
            rooms
                .into_iter()
                .filter(|(_, seq)| *seq >= 0)
                .map(|(room, seq)| (RoomId(room), Seq(seq)))
                .collect(),
        ),
        _ => {
            return Err(Error::invalid(
                "cursor_invalid",
                "Send the position handled as `cursor` (from a feed answer) or as `rooms`, one of them.",
            ))
        }
    };
    state
        .chat
        .acknowledge_feed(&me.user, me.grant.as_ref(), &cursor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
