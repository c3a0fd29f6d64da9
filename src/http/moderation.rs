//! Moderation routes: bans from a room, and the audit log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::domain::{AuditRecord, RoomId};
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
pub struct BanRequest {
    pub username: String,
}

/// POST /api/v1/rooms/{id}/bans — the owner (or an admin in the room)
/// bans someone: they are removed and cannot rejoin or be added back.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/bans", tag = "rooms", request_body = BanRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Banned (and removed, if they were in it)"),
        (status = 400, body = ErrorBody, description = "A direct room, or oneself"),
        (status = 403, body = ErrorBody, description = "Neither the owner nor an admin; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room or user, or a private room I am not in"),
    ))]
pub async fn ban(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<BanRequest>,
) -> Result<StatusCode> {
    state
        .chat
        .ban_member(&me.user, RoomId(id), &req.username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// DELETE /api/v1/rooms/{id}/bans/{username} — lift a ban.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/bans/{username}", tag = "rooms",
    params(("id" = i64, Path, description = "Room id"), ("username" = String, Path, description = "Who")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The ban is lifted"),
        (status = 403, body = ErrorBody, description = "Neither the owner nor an admin; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, user or ban"),
    ))]
pub async fn unban(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, username)): ApiPath<(i64, String)>,
) -> Result<StatusCode> {
    state
        .chat
        .unban_member(&me.user, RoomId(id), &username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditResponse {
    pub entries: Vec<AuditRecord>,
}

/// GET /api/v1/admin/audit — every admin and moderator action, newest
/// first (the latest 500). Nothing can change or delete an entry.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = AuditResponse),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn audit_log(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<AuditResponse>> {
    Ok(Json(AuditResponse {
        entries: state.chat.audit_log(&me.user).await?,
    }))
}
