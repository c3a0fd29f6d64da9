//! Account routes: sign up, sign in, sign out (here or everywhere), the
//! current user, passwords; plus the server's public settings and health.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{clear_session_cookie, session_cookie, ApiJson, ClientIp, CurrentUser};
use super::AppState;
use crate::chat::SignedIn;
use crate::domain::{Theme, User};
use crate::error::Result;
use crate::storage::Durability;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpRequest {
    #[serde(default)]
    pub username: String,
    /// Optional unless the server requires passwords.
    #[serde(default)]
    pub password: Option<String>,
    /// An invite link's code: needed when sign-up is invite-only; an
    /// invite to a room adds the new account to it.
    #[serde(default)]
    pub invite: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordRequest {
    /// Needed when the account already has a password.
    #[serde(default)]
    pub current_password: Option<String>,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PreferencesRequest {
    pub theme: Theme,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub user: User,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServerInfo {
    /// The server's name (admins set it; "Natter" until then).
    pub name: String,
    pub require_password: bool,
    pub max_message_chars: usize,
    pub version: &'static str,
    /// What "acknowledged" means here: how writes reach the disk.
    pub durability: Durability,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The answer to a sign-up or sign-in: the user, with the session cookie set.
pub fn signed_in_response(state: &AppState, status: StatusCode, signed_in: SignedIn) -> Response {
    let cookie = session_cookie(&signed_in.token, state.secure_cookies);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        Json(UserResponse {
            user: signed_in.user,
        }),
    )
        .into_response()
}

/// GET /api/v1/server — settings a client needs before signing in.
#[utoipa::path(get, path = "/api/v1/server", tag = "accounts",
    responses((status = 200, body = ServerInfo)))]
pub async fn server_info(State(state): State<AppState>) -> Result<Json<ServerInfo>> {
    let policy = state.chat.policy();
    Ok(Json(ServerInfo {
        name: state.chat.server_name().await?,
        require_password: policy.require_password,
        max_message_chars: policy.max_message_chars,
        version: env!("CARGO_PKG_VERSION"),
        durability: state.chat.durability(),
    }))
}

/// POST /api/v1/users — pick a username (and maybe a password) and go.
/// 201 with the session cookie; 400 for a bad name, 409 when it is taken.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = SignUpRequest,
    responses(
        (status = 201, body = UserResponse, description = "Signed up and signed in"),
        (status = 400, body = ErrorBody, description = "Username empty, too long or with other characters; password missing (when required), too short or too long; an invite that expired, was used up or revoked"),
        (status = 403, body = ErrorBody, description = "Sign-up is closed, or invite-only and no invite was given"),
        (status = 409, body = ErrorBody, description = "Username is taken"),
        (status = 429, body = ErrorBody, description = "Too many sign-ups from this address, or attempts at this username; see Retry-After"),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<Response> {
    let signed_in = state
        .chat
        .sign_up_invited(
            &req.username,
            req.password.as_deref(),
            req.invite.as_deref().filter(|c| !c.trim().is_empty()),
            &ip,
        )
        .await?;
    Ok(signed_in_response(&state, StatusCode::CREATED, signed_in))
}

/// POST /api/v1/session — sign in with username and password. Always a new
/// session token. 401 "Wrong username or password." whatever was wrong.
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts", request_body = SignInRequest,
    responses(
        (status = 200, body = UserResponse, description = "Signed in; session cookie set"),
        (status = 401, body = ErrorBody, description = "Wrong username or password"),
        (status = 429, body = ErrorBody, description = "Too many sign-ins from this address, or failed ones for this username; see Retry-After"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Response> {
    let signed_in = state
        .chat
        .sign_in(&req.username, &req.password, &ip)
        .await?;
    Ok(signed_in_response(&state, StatusCode::OK, signed_in))
}

/// DELETE /api/v1/session — sign out of this browser or client.
#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts", security(("session" = []), ("bearer" = [])),
    responses((status = 204, description = "Signed out")))]
pub async fn sign_out(State(state): State<AppState>, me: CurrentUser) -> Result<Response> {
    state.chat.sign_out(&me.token).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            clear_session_cookie(state.secure_cookies),
        )],
    )
        .into_response())
}

/// DELETE /api/v1/sessions — sign out everywhere: every session of the user ends.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "accounts", security(("session" = []), ("bearer" = [])),
    responses((status = 204, description = "All sessions ended")))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response> {
    state.chat.sign_out_everywhere(&me.user).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            clear_session_cookie(state.secure_cookies),
        )],
    )
        .into_response())
}

/// GET /api/v1/me — the signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserResponse)))]
pub async fn me(me: CurrentUser) -> Json<UserResponse> {
    Json(UserResponse { user: me.user })
}

/// PUT /api/v1/me/password — set a first password or change it. Every other
/// session of the user ends; this one stays.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordRequest,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Password set"),
        (status = 400, body = ErrorBody, description = "Password too short or too long"),
        (status = 403, body = ErrorBody, description = "The current password is wrong"),
    ))]
pub async fn set_password(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> Result<StatusCode> {
    state
        .chat
        .set_password(
            &me.user,
            req.current_password.as_deref(),
            &req.new_password,
            &me.token,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PUT /api/v1/me/preferences — remember the theme (light, dark or system).
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "accounts", request_body = PreferencesRequest,
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 400, body = ErrorBody, description = "Not a theme: light, dark or system")))]
pub async fn set_preferences(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<PreferencesRequest>,
) -> Result<Json<UserResponse>> {
    Ok(Json(UserResponse {
        user: state.chat.set_theme(&me.user, req.theme).await?,
    }))
}

/// GET /api/v1/health — the server is up and answering.
#[utoipa::path(get, path = "/api/v1/health", tag = "accounts", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}
