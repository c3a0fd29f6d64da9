//! Routes for pins, saved messages and room care (issue 16): pin and
//! unpin (room events), a room's pinned list, private bookmarks, and the
//! owner's topic, name, archive, pin policy, co-owners and deletion.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::reactions::ReactionChangeResponse;
use super::AppState;
use crate::chat::RoomCareRequest;
use crate::domain::{Pin, PinPolicy, Role, RoomId, RoomSettings, SavedMessage, Seq};
use crate::error::Result;

#[derive(Debug, Serialize, ToSchema)]
pub struct PinsResponse {
    /// Most recently pinned first.
    pub pins: Vec<Pin>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedResponse {
    /// Newest first; only rooms I am still in.
    pub saved: Vec<SavedMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsResponse {
    pub settings: RoomSettings,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoomCareBody {
    /// A new name (owners; not for direct rooms).
    pub name: Option<String>,
    /// A new topic, one line of at most 250 characters; empty clears it.
    pub topic: Option<String>,
    /// `true` archives (read-only, out of the directory), `false` restores.
    pub archived: Option<bool>,
    /// Who may pin: `members` or `owners`.
    pub pin_policy: Option<PinPolicy>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    /// `owner` (a co-owner) or `member`.
    pub role: Role,
}

/// PUT /api/v1/rooms/{id}/messages/{seq}/pin — pin a message (members, or
/// owners only if the room says so). Logged as `message.pinned`.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/messages/{seq}/pin", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReactionChangeResponse),
        (status = 403, body = ErrorBody, description = "Only owners may pin here; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I am not in"),
        (status = 409, body = ErrorBody, description = "The room is archived, or has the most pins it may"),
    ))]
pub async fn pin(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<Json<ReactionChangeResponse>> {
    let changed = state
        .chat
        .pin_message(&me.user, RoomId(id), Seq(seq))
        .await?;
    Ok(Json(ReactionChangeResponse { changed }))
}

/// DELETE /api/v1/rooms/{id}/messages/{seq}/pin — unpin. Logged as
/// `message.unpinned`.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}/pin", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReactionChangeResponse),
        (status = 403, body = ErrorBody, description = "Only owners may unpin here; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I am not in"),
        (status = 409, body = ErrorBody, description = "The room is archived"),
    ))]
pub async fn unpin(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<Json<ReactionChangeResponse>> {
    let changed = state
        .chat
        .unpin_message(&me.user, RoomId(id), Seq(seq))
        .await?;
    Ok(Json(ReactionChangeResponse { changed }))
}

/// GET /api/v1/rooms/{id}/pins — the room's pinned messages. Members only.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/pins", tag = "messages",
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = PinsResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a room I am not in"),
    ))]
pub async fn pins(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PinsResponse>> {
    let pins = state.chat.pins(&me.user, RoomId(id)).await?;
    Ok(Json(PinsResponse { pins }))
}

/// PUT /api/v1/rooms/{id}/messages/{seq}/saved — bookmark a message for
/// myself (no one else is told).
#[utoipa::path(put, path = "/api/v1/rooms/{id}/messages/{seq}/saved", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReactionChangeResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I am not in"),
        (status = 409, body = ErrorBody, description = "I keep the most saved messages I may"),
    ))]
pub async fn save(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<Json<ReactionChangeResponse>> {
    let changed = state
        .chat
        .save_message(&me.user, RoomId(id), Seq(seq))
        .await?;
    Ok(Json(ReactionChangeResponse { changed }))
}

/// DELETE /api/v1/rooms/{id}/messages/{seq}/saved — remove my bookmark.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}/saved", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = ReactionChangeResponse)))]
pub async fn unsave(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<Json<ReactionChangeResponse>> {
    let changed = state
        .chat
        .unsave_message(&me.user, RoomId(id), Seq(seq))
        .await?;
    Ok(Json(ReactionChangeResponse { changed }))
}

/// GET /api/v1/saved — my saved messages in rooms I can still read.
#[utoipa::path(get, path = "/api/v1/saved", tag = "messages",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = SavedResponse)))]
pub async fn saved(State(state): State<AppState>, me: CurrentUser) -> Result<Json<SavedResponse>> {
    let saved = state.chat.saved_messages(&me.user).await?;
    Ok(Json(SavedResponse { saved }))
}

/// GET /api/v1/rooms/{id}/settings — topic, archive state, pin policy.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/settings", tag = "rooms",
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = SettingsResponse),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn settings(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SettingsResponse>> {
    let settings = state.chat.room_settings(&me.user, RoomId(id)).await?;
    Ok(Json(SettingsResponse { settings }))
}

/// PATCH /api/v1/rooms/{id}/settings — an owner renames the room, sets its
/// topic, archives or restores it, or says who may pin. Each change is a
/// `room.updated` room event.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}/settings", tag = "rooms", request_body = RoomCareBody,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = SettingsResponse),
        (status = 400, body = ErrorBody, description = "A bad name or topic, nothing to change, a direct room, or archiving general"),
        (status = 403, body = ErrorBody, description = "Not an owner of the room"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
        (status = 409, body = ErrorBody, description = "A public room of that name exists"),
    ))]
pub async fn care(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RoomCareBody>,
) -> Result<Json<SettingsResponse>> {
    let request = RoomCareRequest {
        name: body.name,
        topic: body.topic,
        archived: body.archived,
        pin_policy: body.pin_policy,
    };
    let settings = state
        .chat
        .care_for_room(&me.user, RoomId(id), request)
        .await?;
    Ok(Json(SettingsResponse { settings }))
}

/// DELETE /api/v1/rooms/{id} — an owner deletes the room and everything in
/// it; its members are told they left it.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}", tag = "rooms",
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, body = ErrorBody, description = "general or a direct room"),
        (status = 403, body = ErrorBody, description = "Not an owner of the room"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn delete_room(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state.chat.delete_room(&me.user, RoomId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PUT /api/v1/rooms/{id}/members/{username}/role — an owner makes a
/// member a co-owner (`owner`) or a member again.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/members/{username}/role", tag = "rooms", request_body = RoleBody,
    params(("id" = i64, Path, description = "Room id"), ("username" = String, Path, description = "The member")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, body = ErrorBody, description = "A direct room, or an owner demoting themself"),
        (status = 403, body = ErrorBody, description = "Not an owner of the room"),
        (status = 404, body = ErrorBody, description = "No such room or member"),
    ))]
pub async fn set_role(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, username)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<StatusCode> {
    state
        .chat
        .set_member_role(&me.user, RoomId(id), &username, body.role)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
