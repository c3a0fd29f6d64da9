//! The server's name: admins set it; pages and `GET /api/v1/server` show it.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, CurrentUser};
use super::AppState;
use crate::error::Result;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerName {
    /// One line of at most 60 characters; empty goes back to "Natter".
    pub name: String,
}

/// PUT /api/v1/admin/server-name — name the server (page titles, the
/// sign-in page). Audited.
#[utoipa::path(put, path = "/api/v1/admin/server-name", tag = "admin", request_body = ServerName,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ServerName, description = "The name now shown"),
        (status = 400, body = ErrorBody, description = "Longer than 60 characters or more than one line"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn set_server_name(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<ServerName>,
) -> Result<Json<ServerName>> {
    let name = state.chat.set_server_name(&me.user, &req.name).await?;
    Ok(Json(ServerName { name }))
}
