//! The room's disappearing-messages timer.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::rooms::RoomResponse;
use super::AppState;
use crate::domain::RoomId;
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisappearingRequest {
    /// Seconds after which messages posted from now on disappear, at most
    /// 31536000 (a year); 0 turns it off. The web client offers 300, 3600,
    /// 86400, 604800 and 2592000.
    pub seconds: u32,
}

/// PUT /api/v1/rooms/{id}/disappearing — the owner (or either person of a
/// direct room) sets the timer. It applies to messages posted from now on;
/// the change is a `room.disappearing_changed` room event. At expiry a
/// message's text and edits are removed from the server and a
/// `messages.expired` room event is logged.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/disappearing", tag = "rooms", request_body = DisappearingRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RoomResponse),
        (status = 400, body = ErrorBody, description = "More than a year"),
        (status = 403, body = ErrorBody, description = "Only the owner sets the timer; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn set_disappearing(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DisappearingRequest>,
) -> Result<Json<RoomResponse>> {
    Ok(Json(RoomResponse {
        room: state
            .chat
            .set_disappearing(&me.user, RoomId(id), req.seconds)
            .await?,
    }))
}
