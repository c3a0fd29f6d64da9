//! Room routes: my rooms, the public directory, create, join, leave,
//! members, direct rooms and read markers. A room the user may not see is
//! 404 on every one of them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::domain::{Member, Room, RoomDetails, RoomId, RoomKind, RoomListing, RoomSummary, Seq};
use crate::error::Result;

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomsResponse {
    pub rooms: Vec<RoomSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryResponse {
    pub rooms: Vec<RoomListing>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomResponse {
    pub room: Room,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomDetailsResponse {
    pub room: RoomDetails,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembersResponse {
    pub members: Vec<Member>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberResponse {
    pub member: Member,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateRoomRequest {
    pub name: String,
    /// `public` or `private`.
    pub kind: RoomKind,
    /// Usernames to add besides the creator.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UsernameRequest {
    pub username: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadRequest {
    /// Everything up to and including this seq has been read.
    pub seq: Seq,
}

/// GET /api/v1/rooms — the rooms I am in, with unread counts.
#[utoipa::path(get, path = "/api/v1/rooms", tag = "rooms", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = RoomsResponse)))]
pub async fn my_rooms(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<RoomsResponse>> {
    let mut rooms = state.chat.my_rooms(&me.user).await?;
    rooms.retain(|r| !me.outside_grant(r.room.id));
    Ok(Json(RoomsResponse { rooms }))
}

/// POST /api/v1/rooms — create a public or private room; I become its owner.
#[utoipa::path(post, path = "/api/v1/rooms", tag = "rooms", request_body = CreateRoomRequest, security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = RoomResponse),
        (status = 400, body = ErrorBody, description = "Bad name, or a kind other than public or private"),
        (status = 404, body = ErrorBody, description = "A listed member does not exist"),
        (status = 409, body = ErrorBody, description = "A public room with that name exists"),
    ))]
pub async fn create_room(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, Json<RoomResponse>)> {
    let room = state
        .chat
        .create_room(&me.user, &req.name, req.kind, &req.members)
        .await?;
    Ok((StatusCode::CREATED, Json(RoomResponse { room })))
}

/// GET /api/v1/public-rooms — every public room, and whether I am in it.
#[utoipa::path(get, path = "/api/v1/public-rooms", tag = "rooms", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = DirectoryResponse)))]
pub async fn public_rooms(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<DirectoryResponse>> {
    Ok(Json(DirectoryResponse {
        rooms: state.chat.public_rooms(&me.user).await?,
    }))
}

/// GET /api/v1/rooms/{id} — one room: any public room, or a room I am in;
/// with how many are in it and who made it.
#[utoipa::path(get, path = "/api/v1/rooms/{id}", tag = "rooms", params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RoomDetailsResponse),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn room(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoomDetailsResponse>> {
    Ok(Json(RoomDetailsResponse {
        room: state.chat.room_details(&me.user, RoomId(id)).await?,
    }))
}

/// POST /api/v1/rooms/{id}/join — join a public room.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/join", tag = "rooms", params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = RoomResponse), (status = 404, body = ErrorBody, description = "No such room, or a private room (joined only when added)")))]
pub async fn join_room(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoomResponse>> {
    Ok(Json(RoomResponse {
        room: state.chat.join_room(&me.user, RoomId(id)).await?,
    }))
}

/// POST /api/v1/rooms/{id}/leave — leave a room I am in (not a direct one).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/leave", tag = "rooms", params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Left; if I owned the room, the member who joined first now owns it"),
        (status = 400, body = ErrorBody, description = "`general` and direct conversations cannot be left"),
        (status = 404, body = ErrorBody, description = "No such room, or one I am not in"),
    ))]
pub async fn leave_room(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state.chat.leave_room(&me.user, RoomId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/v1/rooms/{id}/members — who is in the room.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/members", tag = "rooms", params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = MembersResponse), (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in")))]
pub async fn members(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MembersResponse>> {
    Ok(Json(MembersResponse {
        members: state.chat.members(&me.user, RoomId(id)).await?,
    }))
}

/// POST /api/v1/rooms/{id}/members — add someone to a room I am in.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/members", tag = "rooms", request_body = UsernameRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = MemberResponse, description = "Added (any member may add people)"),
        (status = 400, body = ErrorBody, description = "A direct conversation has exactly its two people"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room or user, or a private room I am not in"),
    ))]
pub async fn add_member(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UsernameRequest>,
) -> Result<(StatusCode, Json<MemberResponse>)> {
    let member = state
        .chat
        .add_member(&me.user, RoomId(id), &req.username)
        .await?;
    Ok((StatusCode::CREATED, Json(MemberResponse { member })))
}

/// DELETE /api/v1/rooms/{id}/members/{username} — the owner removes someone
/// (or anyone removes themselves).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/members/{username}", tag = "rooms",
    params(("id" = i64, Path, description = "Room id"), ("username" = String, Path, description = "Who to remove")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Removed (removing myself is leaving)"),
        (status = 400, body = ErrorBody, description = "Removing myself from `general` or a direct conversation"),
        (status = 403, body = ErrorBody, description = "Only the owner removes others; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room or user, a private room I am not in, or the user is not in the room"),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, username)): ApiPath<(i64, String)>,
) -> Result<StatusCode> {
    state
        .chat
        .remove_member(&me.user, RoomId(id), &username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/dms — the direct room with a user, made on first use.
#[utoipa::path(post, path = "/api/v1/dms", tag = "rooms", request_body = UsernameRequest, security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RoomResponse, description = "The direct room; with oneself, one's notes to self"),
        (status = 404, body = ErrorBody, description = "No such user"),
    ))]
pub async fn open_direct(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<UsernameRequest>,
) -> Result<Json<RoomResponse>> {
    Ok(Json(RoomResponse {
        room: state.chat.open_direct(&me.user, &req.username).await?,
    }))
}

/// POST /api/v1/rooms/{id}/read — move my read marker forward.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/read", tag = "rooms", request_body = ReadRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Marked"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReadRequest>,
) -> Result<StatusCode> {
    state.chat.mark_read(&me.user, RoomId(id), req.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SlowModeRequest {
    /// Seconds a member must wait between messages; 0 turns slow mode off.
    pub seconds: u32,
}

/// PUT /api/v1/rooms/{id}/slow-mode — the owner sets slow mode: one message
/// per member per N seconds (the owner is exempt). Faster sends get 429.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/slow-mode", tag = "rooms", request_body = SlowModeRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RoomResponse),
        (status = 400, body = ErrorBody, description = "More than 86400 seconds"),
        (status = 403, body = ErrorBody, description = "Only the owner sets slow mode; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn set_slow_mode(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<SlowModeRequest>,
) -> Result<Json<RoomResponse>> {
    Ok(Json(RoomResponse {
        room: state
            .chat
            .set_slow_mode(&me.user, RoomId(id), req.seconds)
            .await?,
    }))
}
