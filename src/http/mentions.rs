//! Mention and notification routes: the mentions inbox, per-room
//! notification levels, who may mention a whole room, do-not-disturb.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::AppState;
use crate::domain::{MentionEntry, NotificationLevel, RoomId, Timestamp};
use crate::error::Result;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Entries older than this entry id (the `id` of the last one seen).
    pub before: Option<i64>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxResponse {
    /// Newest first.
    pub mentions: Vec<MentionEntry>,
    /// The display names and avatars of their authors who set one.
    pub authors: Vec<crate::domain::PersonProfile>,
}

/// GET /api/v1/mentions — my mentions inbox: messages that mention me by
/// name (or mention the whole room), newest first, only from rooms I am in
/// now; never my own or deleted messages.
#[utoipa::path(get, path = "/api/v1/mentions", tag = "messages", params(InboxQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = InboxResponse),
        (status = 400, body = ErrorBody, description = "A cursor that is not a number"),
    ))]
pub async fn inbox(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<InboxResponse>> {
    let mentions = state
        .chat
        .mentions_inbox(&me.user, q.before, q.limit)
        .await?;
    let names = mentions.iter().map(|e| e.message.author.clone());
    let authors = state.chat.authors_named(names).await?;
    Ok(Json(InboxResponse { mentions, authors }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LevelRequest {
    pub level: NotificationLevel,
}

/// PUT /api/v1/rooms/{id}/notifications — how much of this room I want to
/// be told about: `all`, `mentions` (mentions and direct messages; the
/// default) or `nothing`. The room list carries it as `notification_level`.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/notifications", tag = "rooms", request_body = LevelRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Set"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
        (status = 422, body = ErrorBody, description = "Not one of the levels"),
    ))]
pub async fn set_level(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<LevelRequest>,
) -> Result<StatusCode> {
    state
        .chat
        .set_notification_level(&me.user, RoomId(id), req.level)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoomMentionsRequest {
    /// Whether members (not only owners) may mention everyone with
    /// `@room`/`@here`.
    pub members: bool,
}

/// PUT /api/v1/rooms/{id}/room-mentions — the owner chooses whether members
/// may mention the whole room (`@room`, `@here`); owners always may.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/room-mentions", tag = "rooms", request_body = RoomMentionsRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Set"),
        (status = 403, body = ErrorBody, description = "Not the owner; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn set_room_mentions(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RoomMentionsRequest>,
) -> Result<StatusCode> {
    state
        .chat
        .set_room_mentions(&me.user, RoomId(id), req.members)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DoNotDisturb {
    /// Quiet until this time (UTC); `null`: off.
    pub until: Option<Timestamp>,
}

/// GET /api/v1/me/do-not-disturb — until when I am not to be disturbed.
#[utoipa::path(get, path = "/api/v1/me/do-not-disturb", tag = "accounts",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = DoNotDisturb)))]
pub async fn do_not_disturb(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<DoNotDisturb>> {
    Ok(Json(DoNotDisturb {
        until: state.chat.do_not_disturb(&me.user).await?,
    }))
}

/// PUT /api/v1/me/do-not-disturb — no notifications until `until` (at most
/// a year ahead); `null` turns it off.
#[utoipa::path(put, path = "/api/v1/me/do-not-disturb", tag = "accounts", request_body = DoNotDisturb,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = DoNotDisturb),
        (status = 400, body = ErrorBody, description = "A time that has passed, or more than a year ahead"),
    ))]
pub async fn set_do_not_disturb(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<DoNotDisturb>,
) -> Result<Json<DoNotDisturb>> {
    state.chat.set_do_not_disturb(&me.user, req.until).await?;
    Ok(Json(req))
}
