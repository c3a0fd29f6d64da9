//! Group conversations (group DMs): open one with 2 to 7 others.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, CurrentUser};
use super::rooms::RoomResponse;
use super::AppState;
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
pub struct GroupRequest {
    /// The other people (2 to 7 usernames; a leading `@` is ignored, and
    /// oneself and repeats are left out).
    pub usernames: Vec<String>,
}

/// POST /api/v1/groups — the group conversation of me and these people:
/// a private room of 3 to 8 people named by them, made on first use and
/// reused when the same set of people opens it again.
#[utoipa::path(post, path = "/api/v1/groups", tag = "rooms", request_body = GroupRequest, security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = RoomResponse, description = "Made now; everyone in it hears room.added"),
        (status = 200, body = RoomResponse, description = "The existing conversation of exactly these people"),
        (status = 404, body = ErrorBody, description = "No user of one of the names"),
        (status = 400, body = ErrorBody, description = "Fewer than 3 or more than 8 people in all (group_too_small, group_too_large)"),
    ))]
pub async fn open_group(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<GroupRequest>,
) -> Result<(StatusCode, Json<RoomResponse>)> {
    let (room, made) = state.chat.open_group(&me.user, &req.usernames).await?;
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(RoomResponse { room })))
}
