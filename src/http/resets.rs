//! Password reset links: an admin makes one for a user; the person opens
//! `/?reset=CODE`, chooses a new password and is signed in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::{signed_in_response, UserResponse};
use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ClientIp, CurrentUser};
use super::AppState;
use crate::domain::{Timestamp, UserId};
use crate::error::Result;

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetLinkResponse {
    /// The one-time code: the link is `/?reset=` and this. Shown only now;
    /// the server keeps only its hash.
    pub code: String,
    /// The link stops working then (a day after it was made).
    pub expires_at: Timestamp,
}

/// POST /api/v1/admin/users/{id}/reset-link — a one-time password reset
/// link for the user (an older one stops working). Audited.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-link", tag = "admin",
    params(("id" = i64, Path, description = "User id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = ResetLinkResponse, description = "Made; give the person the link"),
        (status = 400, body = ErrorBody, description = "The user is a bot (bot_account): bots have no password"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
        (status = 404, body = ErrorBody, description = "No such user"),
    ))]
pub async fn make_reset_link(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<ResetLinkResponse>)> {
    let made = state.chat.make_reset_link(&me.user, UserId(id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(ResetLinkResponse {
            code: made.code,
            expires_at: made.expires_at,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// The code from the reset link.
    pub code: String,
    pub new_password: String,
}

/// POST /api/v1/password-reset — choose a new password through a reset
/// link: every other session of the account ends and this one is signed in.
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "accounts", request_body = PasswordResetRequest,
    responses(
        (status = 200, body = UserResponse, description = "Password set and signed in; session cookie set"),
        (status = 400, body = ErrorBody, description = "Password too short or too long; a link that was used, expired or replaced (reset_link_invalid)"),
        (status = 429, body = ErrorBody, description = "Too many attempts from this address; see Retry-After"),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> Result<Response> {
    let signed_in = state
        .chat
        .reset_password(&req.code, &req.new_password, &ip)
        .await?;
    Ok(signed_in_response(&state, StatusCode::OK, signed_in))
}
