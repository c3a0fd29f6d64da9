//! Signed-in devices (list, sign one out) and an admin's "sign out
//! everywhere" for a user; and noting each session's use.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiPath, CurrentUser};
use super::AppState;
use crate::chat::SessionToken;
use crate::domain::{Device, UserId};
use crate::error::Result;

/// Notes that the session was used, with the request's user agent and
/// address (see chat::sessions for how seldom that writes).
pub(super) fn seen(state: &AppState, parts: &Parts, token: &SessionToken) {
    let agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(String::new, |c| c.0.ip().to_string());
    state.chat.session_seen(token, agent, &ip);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DevicesResponse {
    pub devices: Vec<Device>,
}

/// GET /api/v1/sessions — my signed-in devices, most recently used first.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "accounts", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = DevicesResponse)))]
pub async fn devices(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<DevicesResponse>> {
    let devices = state.chat.devices(&me.user, &me.token).await?;
    Ok(Json(DevicesResponse { devices }))
}

/// DELETE /api/v1/sessions/{id} — sign one of my devices out; its live
/// connections close at once.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "accounts",
    params(("id" = String, Path, description = "A device's id from GET /api/v1/sessions")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 404, body = ErrorBody, description = "No device of mine has that id"),
    ))]
pub async fn end_device(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    state.chat.end_device(&me.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/admin/users/{id}/sign-out — end every session of a user;
/// their live connections close at once. Audited.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/sign-out", tag = "admin",
    params(("id" = i64, Path, description = "User id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Signed out everywhere"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
        (status = 404, body = ErrorBody, description = "No such user"),
    ))]
pub async fn sign_out_user(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state
        .chat
        .sign_out_user_everywhere(&me.user, UserId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
