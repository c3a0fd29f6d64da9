//! Admin routes: accounts (search, promote, demote, deactivate), the
//! sign-up mode and invite links. Everyone else gets 403.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::AppState;
use crate::domain::{Account, Invite, RoomId, SignUpMode, UserId};
use crate::error::Result;

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRole {
    /// `admin` or `member`.
    pub role: &'static str,
}

/// GET /api/v1/me/role — whether I am one of the server's admins.
#[utoipa::path(get, path = "/api/v1/me/role", tag = "admin", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = MyRole)))]
pub async fn my_role(State(state): State<AppState>, me: CurrentUser) -> Result<Json<MyRole>> {
    let admin = state.chat.is_admin(&me.user).await?;
    Ok(Json(MyRole {
        role: if admin { "admin" } else { "member" },
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// Part of a username (any case); empty lists everyone (first 200 by name).
    #[serde(default)]
    pub query: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsResponse {
    pub users: Vec<Account>,
}

/// GET /api/v1/admin/users?query= — accounts, by name.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(AccountsQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = AccountsResponse),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn accounts(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<AccountsQuery>,
) -> Result<Json<AccountsResponse>> {
    Ok(Json(AccountsResponse {
        users: state.chat.accounts(&me.user, &q.query).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// `admin` or `member`.
    pub role: String,
}

/// PUT /api/v1/admin/users/{id}/role — promote to admin or demote.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", request_body = RoleRequest,
    params(("id" = i64, Path, description = "User id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, body = ErrorBody, description = "A role other than admin or member"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
        (status = 404, body = ErrorBody, description = "No such user"),
        (status = 409, body = ErrorBody, description = "Demoting oneself"),
    ))]
pub async fn set_role(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> Result<StatusCode> {
    let admin = match req.role.as_str() {
        "admin" => true,
        "member" => false,
        _ => {
            return Err(crate::error::Error::invalid(
                "role_invalid",
                "The role is admin or member.",
            ))
        }
    };
    state.chat.set_admin(&me.user, UserId(id), admin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActiveRequest {
    /// false deactivates (their sessions and live connections end at once);
    /// true reactivates.
    pub active: bool,
}

/// PUT /api/v1/admin/users/{id}/active — deactivate or reactivate.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/active", tag = "admin", request_body = ActiveRequest,
    params(("id" = i64, Path, description = "User id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
        (status = 404, body = ErrorBody, description = "No such user"),
        (status = 409, body = ErrorBody, description = "Deactivating oneself"),
    ))]
pub async fn set_active(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ActiveRequest>,
) -> Result<StatusCode> {
    state
        .chat
        .set_active(&me.user, UserId(id), req.active)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignUpSettings {
    pub sign_up_mode: SignUpMode,
}

/// GET /api/v1/admin/sign-up — the sign-up mode.
#[utoipa::path(get, path = "/api/v1/admin/sign-up", tag = "admin", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = SignUpSettings),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn sign_up_settings(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<SignUpSettings>> {
    Ok(Json(SignUpSettings {
        sign_up_mode: state.chat.sign_up_mode(&me.user).await?,
    }))
}

/// PUT /api/v1/admin/sign-up — set the sign-up mode: `open`,
/// `invite-only` or `closed`.
#[utoipa::path(put, path = "/api/v1/admin/sign-up", tag = "admin", request_body = SignUpSettings,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = SignUpSettings),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn set_sign_up_settings(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<SignUpSettings>,
) -> Result<Json<SignUpSettings>> {
    state
        .chat
        .set_sign_up_mode(&me.user, req.sign_up_mode)
        .await?;
    Ok(Json(req))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitesResponse {
    pub invites: Vec<Invite>,
}

/// GET /api/v1/admin/invites — invite links, newest first.
#[utoipa::path(get, path = "/api/v1/admin/invites", tag = "admin", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = InvitesResponse),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn invites(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<InvitesResponse>> {
    Ok(Json(InvitesResponse {
        invites: state.chat.invites(&me.user).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteRequest {
    /// Seconds the link works, 1 to 7776000 (90 days).
    pub expires_in_secs: u32,
    /// How many people it admits, 1 to 1000.
    pub max_uses: u32,
    /// A room (one I am in) the invited person joins on sign-up.
    #[serde(default)]
    pub room_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MadeInviteResponse {
    pub invite: Invite,
    /// The code, shown only now: the link is `/?invite=<code>`.
    pub code: String,
}

/// POST /api/v1/admin/invites — make an invite link.
#[utoipa::path(post, path = "/api/v1/admin/invites", tag = "admin", request_body = InviteRequest,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = MadeInviteResponse),
        (status = 400, body = ErrorBody, description = "Expiry or use count out of bounds; a direct room"),
        (status = 403, body = ErrorBody, description = "Not an admin; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn create_invite(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<MadeInviteResponse>)> {
    let made = state
        .chat
        .create_invite(
            &me.user,
            req.expires_in_secs,
            req.max_uses,
            req.room_id.map(RoomId),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MadeInviteResponse {
            invite: made.invite,
            code: made.code,
        }),
    ))
}

/// DELETE /api/v1/admin/invites/{id} — revoke an invite link.
#[utoipa::path(delete, path = "/api/v1/admin/invites/{id}", tag = "admin",
    params(("id" = i64, Path, description = "Invite id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
        (status = 404, body = ErrorBody, description = "No such invite"),
    ))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state.chat.revoke_invite(&me.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RetentionSettings {
    /// Messages older than this many days disappear (text and edits
    /// removed, `messages.expired` logged); 0 keeps them forever (default).
    /// At most 3650.
    pub retention_days: u32,
}

/// GET /api/v1/admin/retention — the server-wide retention.
#[utoipa::path(get, path = "/api/v1/admin/retention", tag = "admin", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RetentionSettings),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn retention(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<RetentionSettings>> {
    Ok(Json(RetentionSettings {
        retention_days: state.chat.retention_days(&me.user).await?,
    }))
}

/// PUT /api/v1/admin/retention — set the server-wide retention.
#[utoipa::path(put, path = "/api/v1/admin/retention", tag = "admin", request_body = RetentionSettings,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RetentionSettings),
        (status = 400, body = ErrorBody, description = "More than 3650 days"),
        (status = 403, body = ErrorBody, description = "Not an admin"),
    ))]
pub async fn set_retention(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<RetentionSettings>,
) -> Result<Json<RetentionSettings>> {
    state
        .chat
        .set_retention_days(&me.user, req.retention_days)
        .await?;
    Ok(Json(req))
}
