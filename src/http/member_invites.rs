//! Member invites: members make, list and revoke their own invite links
//! when an admin allows it (`PUT /api/v1/admin/member-invites`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::{InviteRequest, InvitesResponse, MadeInviteResponse};
use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::error::Result;

/// POST /api/v1/invites — make an invite link (admins; members when an
/// admin allows it and sign-up is not closed).
#[utoipa::path(post, path = "/api/v1/invites", tag = "accounts", request_body = InviteRequest,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = MadeInviteResponse),
        (status = 400, body = ErrorBody, description = "Expiry or use count out of bounds; a direct room"),
        (status = 403, body = ErrorBody, description = "Members may not make invite links here; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn create_my_invite(
    State(state): State<AppState>,
    me: CurrentUser,
    body: ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<MadeInviteResponse>)> {
    // The same use-case as the admins' route: it decides who may.
    super::admin::create_invite(State(state), me, body).await
}

/// GET /api/v1/invites — my invite links, newest first.
#[utoipa::path(get, path = "/api/v1/invites", tag = "accounts", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = InvitesResponse)))]
pub async fn my_invites(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<InvitesResponse>> {
    Ok(Json(InvitesResponse {
        invites: state.chat.my_invites(&me.user).await?,
    }))
}

/// DELETE /api/v1/invites/{id} — revoke one of my invite links.
#[utoipa::path(delete, path = "/api/v1/invites/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "Invite id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = ErrorBody, description = "Not an invite link of mine"),
    ))]
pub async fn revoke_my_invite(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state.chat.revoke_my_invite(&me.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberInvites {
    /// Whether members (not only admins) may make invite links.
    pub allowed: bool,
}

/// GET /api/v1/admin/member-invites — whether members may make invite links.
#[utoipa::path(get, path = "/api/v1/admin/member-invites", tag = "admin", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = MemberInvites), (status = 403, body = ErrorBody, description = "Not an admin")))]
pub async fn member_invites(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<MemberInvites>> {
    let allowed = state.chat.members_can_invite(&me.user).await?;
    Ok(Json(MemberInvites { allowed }))
}

/// PUT /api/v1/admin/member-invites — let members make invite links (when
/// sign-up is not closed), or stop them. Audited.
#[utoipa::path(put, path = "/api/v1/admin/member-invites", tag = "admin", request_body = MemberInvites,
    security(("session" = []), ("bearer" = [])),
    responses((status = 204, description = "Changed"), (status = 403, body = ErrorBody, description = "Not an admin")))]
pub async fn set_member_invites(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<MemberInvites>,
) -> Result<StatusCode> {
    state
        .chat
        .set_members_can_invite(&me.user, req.allowed)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
