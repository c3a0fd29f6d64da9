//! Bots and API tokens: a signed-in person makes, lists and revokes them
//! (a token request cannot reach these routes: `token_scope`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::chat::TokenRequest;
use crate::domain::{Bot, RoomId, Scope, TokenInfo, UserId};
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// What the token is for (1 to 80 characters).
    pub name: String,
    /// At least one of `read`, `post`, `manage_rooms`.
    pub scopes: Vec<Scope>,
    /// Limit the token to these rooms (rooms I am in); leave out for all.
    #[serde(default)]
    pub rooms: Option<Vec<RoomId>>,
    /// Make the token act as this bot of mine instead of me.
    #[serde(default)]
    pub bot_id: Option<UserId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MadeTokenResponse {
    /// The token itself: shown this once, kept only as a hash. Send it as
    /// `Authorization: Bearer <token>`.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokensResponse {
    pub tokens: Vec<TokenInfo>,
}

/// POST /api/v1/tokens — make an API token for me or one of my bots.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "integrations", request_body = TokenBody,
    security(("session" = [])),
    responses(
        (status = 201, body = MadeTokenResponse),
        (status = 400, body = ErrorBody, description = "No name, no scope, or an empty room list"),
        (status = 403, body = ErrorBody, description = "A bot or an API token cannot make tokens; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "A listed room I am not in, or a bot that is not mine"),
        (status = 429, body = ErrorBody, description = "I hold 100 tokens already"),
    ))]
pub async fn make_token(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<(StatusCode, Json<MadeTokenResponse>)> {
    let request = TokenRequest {
        name: body.name,
        scopes: body.scopes,
        rooms: body.rooms,
        bot: body.bot_id,
    };
    let made = state.chat.make_token(&me.user, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(MadeTokenResponse {
            token: made.token,
            info: made.info,
        }),
    ))
}

/// GET /api/v1/tokens — the live tokens I made (for me and my bots),
/// newest first, with their prefix and last use; never the tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "integrations", security(("session" = [])),
    responses((status = 200, body = TokensResponse)))]
pub async fn tokens(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<TokensResponse>> {
    Ok(Json(TokensResponse {
        tokens: state.chat.my_tokens(&me.user).await?,
    }))
}

/// DELETE /api/v1/tokens/{id} — revoke a token I made: it stops at once
/// and its live connections close.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "integrations",
    params(("id" = i64, Path, description = "Token id")), security(("session" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = ErrorBody, description = "No live token of mine with that id"),
    ))]
pub async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    state.chat.revoke_token(&me.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotBody {
    /// Its username (letters, digits, `_`, `-`, `.`; unique among all users).
    pub name: String,
    /// One emoji (or its `:shortcode:`) shown beside its name.
    #[serde(default)]
    pub avatar: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BotResponse {
    pub bot: Bot,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BotsResponse {
    pub bots: Vec<Bot>,
}

/// POST /api/v1/bots — make a bot I own. It is in no room until someone
/// adds it, and acts through tokens made for it.
#[utoipa::path(post, path = "/api/v1/bots", tag = "integrations", request_body = BotBody,
    security(("session" = [])),
    responses(
        (status = 201, body = BotResponse),
        (status = 400, body = ErrorBody, description = "A name that is not a valid username, or an avatar that is not one emoji"),
        (status = 409, body = ErrorBody, description = "The name is taken"),
        (status = 429, body = ErrorBody, description = "I own 25 bots already"),
    ))]
pub async fn make_bot(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<BotBody>,
) -> Result<(StatusCode, Json<BotResponse>)> {
    let bot = state
        .chat
        .make_bot(&me.user, &body.name, body.avatar.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(BotResponse { bot })))
}

/// GET /api/v1/bots — the bots I own, by name.
#[utoipa::path(get, path = "/api/v1/bots", tag = "integrations", security(("session" = [])),
    responses((status = 200, body = BotsResponse)))]
pub async fn bots(State(state): State<AppState>, me: CurrentUser) -> Result<Json<BotsResponse>> {
    Ok(Json(BotsResponse {
        bots: state.chat.my_bots(&me.user).await?,
    }))
}

/// The routes of bots, tokens and incoming webhooks (issue 19).
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use super::hooks;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(tokens, make_token))
        .routes(routes!(revoke_token))
        .routes(routes!(bots, make_bot))
        .routes(routes!(hooks::hooks, hooks::make_hook))
        .routes(routes!(hooks::revoke_hook))
        .routes(routes!(hooks::post_to_hook))
}
