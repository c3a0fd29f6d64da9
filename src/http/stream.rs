//! Live routes: the WebSocket stream and its long-poll fallback.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiPath, ApiQuery, CurrentUser};
use super::upgrade::WsUpgrade;
use super::AppState;
use crate::domain::{RoomEvent, RoomId, Seq};
use crate::error::{Error, Result};
use crate::realtime::connection;
use crate::realtime::hub::Hub;
use crate::realtime::listener::{Listener, Outbound, Wake};

/// GET /api/v1/stream — the WebSocket event stream (see docs/protocol.md).
/// Signed in by the session cookie or `Authorization: Bearer`. A browser
/// page from a foreign origin is refused with 403 before the upgrade.
#[utoipa::path(get, path = "/api/v1/stream", tag = "stream", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, body = ErrorBody, description = "Not a WebSocket upgrade request"),
        (status = 403, body = ErrorBody, description = "A browser page from another origin"),
        (status = 429, body = ErrorBody, description = "The user holds --ws-max-per-user live connections already"),
    ))]
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    me: CurrentUser,
    WsUpgrade(upgrade): WsUpgrade,
) -> Result<Response> {
    if !state.origins.same_origin(&headers) {
        return Err(Error::Forbidden(
            "This origin may not open the stream.".into(),
        ));
    }
    if state.hub.connections_of(me.user.id) >= state.stream.max_per_user {
        return Err(Error::TooMany {
            code: "too_many_connections",
            message: format!(
                "At most {} live connections per user; close one first.",
                state.stream.max_per_user
            ),
        });
    }
    let upgrade = upgrade.map_err(|why| {
        Error::invalid(
            "not_websocket",
            format!("Open this address as a WebSocket: {why}."),
        )
    })?;
    let settings = std::sync::Arc::clone(&state.stream);
    let (chat, hub, session) = (state.chat.clone(), state.hub.clone(), me.token.hash());
    let who = (me.user, session, me.grant);
    Ok(upgrade
        .accept(move |taken, early| connection::serve(taken, &early, chat, hub, who, settings)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The last seq the client has (0 for everything).
    pub after: i64,
    /// Seconds to wait for something new when there is nothing yet (0–30).
    pub wait: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventsResponse {
    /// Room events after `after`, oldest first (at most 500).
    pub events: Vec<RoomEvent>,
    /// The room's newest seq when the answer was made.
    pub last_seq: Seq,
}

const LONG_POLL_PAGE: u32 = 500;
const LONG_POLL_MAX_WAIT: u64 = 30;

/// GET /api/v1/rooms/{id}/events — long-poll fallback for clients without
/// WebSockets: the events after `after`, waiting up to `wait` seconds for one.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/events", tag = "stream",
    params(("id" = i64, Path, description = "Room id"), EventsQuery), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = EventsResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn events(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Json<EventsResponse>> {
    let (room, after) = (RoomId(id), Seq(q.after));
    let (events, last_seq) = state
        .chat
        .replay(&me.user, room, after, LONG_POLL_PAGE)
        .await?;
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(LONG_POLL_MAX_WAIT));
    if !events.is_empty() || wait.is_zero() {
        return Ok(Json(EventsResponse { events, last_seq }));
    }
    // Listen first, then look again, so an event committed in between is not missed.
    let listener = state.hub.connect(&me.user, me.token.hash(), 16, None);
    let _registered = Registered {
        hub: &state.hub,
        listener: &listener,
        room,
    };
    state.hub.subscribe(room, &listener);
    let (events, last_seq) = wait_for_events(&state, &me, room, after, wait, &listener).await?;
    Ok(Json(EventsResponse { events, last_seq }))
}

/// Unregisters a long-poll's listener however the request ends: answered,
/// failed, or dropped because the client went away.
struct Registered<'a> {
    hub: &'a Hub,
    listener: &'a Listener,
    room: RoomId,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.hub.disconnect(self.listener, [self.room]);
    }
}

/// The long-poll's second look (after listening), and if still nothing, the
/// wait for the next event of the room.
async fn wait_for_events(
    state: &AppState,
    me: &CurrentUser,
    room: RoomId,
    after: Seq,
    wait: Duration,
    listener: &Listener,
) -> Result<(Vec<RoomEvent>, Seq)> {
    let found = state
        .chat
        .replay(&me.user, room, after, LONG_POLL_PAGE)
        .await?;
    if !found.0.is_empty() {
        return Ok(found);
    }
    let woke = tokio::time::timeout(wait, async {
        loop {
            match listener.next().await {
                Wake::Frames(batch) => {
                    // An event at or below `after` was already answered (the
                    // publish thread may hand one over just after the
                    // subscription): waking on it would answer an empty page.
                    let news = batch.iter().any(|o| match o {
                        Outbound::Event { room: r, seq, .. } => *r != room || *seq > after,
                        Outbound::Removed { .. } => true,
                        _ => false,
                    });
                    if news {
                        return;
                    }
                }
                // Signed out or shutting down: answer with what there is.
                Wake::Kicked(_) => return,
                // A long poll is not a socket: nothing to ping.
                Wake::Heartbeat => {}
            }
        }
    })
    .await;
    if woke.is_err() {
        return Ok(found);
    }
    state
        .chat
        .replay(&me.user, room, after, LONG_POLL_PAGE)
        .await
}
