//! People's statuses: mine to set, a room's members' to read.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::domain::{MemberStatus, RoomId, Timestamp, UserStatus};
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    /// One line, at most 80 characters (may be empty with an emoji).
    #[serde(default)]
    pub text: String,
    /// One emoji, or its `:shortcode:`.
    pub emoji: Option<String>,
    /// When it clears itself (UTC, within a year); `null`: until changed.
    pub until: Option<Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusResponse {
    /// `null` when there is none (or it has ended).
    pub status: Option<UserStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberStatusesResponse {
    pub statuses: Vec<MemberStatus>,
}

/// GET /api/v1/me/status — my status, if I have one now.
#[utoipa::path(get, path = "/api/v1/me/status", tag = "accounts",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = StatusResponse)))]
pub async fn my_status(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<StatusResponse>> {
    Ok(Json(StatusResponse {
        status: state.chat.status(&me.user).await?,
    }))
}

/// PUT /api/v1/me/status — set my status; neither text nor emoji clears it.
#[utoipa::path(put, path = "/api/v1/me/status", tag = "accounts", request_body = StatusRequest,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = StatusResponse),
        (status = 400, body = ErrorBody, description = "Too long, more than one line, not one emoji, or an end time passed or more than a year ahead"),
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<StatusRequest>,
) -> Result<Json<StatusResponse>> {
    let status = state
        .chat
        .set_status(&me.user, &req.text, req.emoji.as_deref(), req.until)
        .await?;
    Ok(Json(StatusResponse { status }))
}

/// GET /api/v1/rooms/{id}/statuses — the statuses of the room's members
/// who have one now.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/statuses", tag = "rooms",
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = MemberStatusesResponse),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn member_statuses(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MemberStatusesResponse>> {
    Ok(Json(MemberStatusesResponse {
        statuses: state.chat.member_statuses(&me.user, RoomId(id)).await?,
    }))
}
