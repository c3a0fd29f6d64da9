//! Incoming webhooks: members make, list and revoke a room's hooks, and
//! anyone holding a hook's secret URL posts through it
//! (`POST /hooks/{id}/{secret}`, Natter's JSON or Slack's).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser, JsonOrSlackForm};
use super::AppState;
use crate::chat::HookPost;
use crate::domain::{HookInfo, Message, RoomId, UserId};
use crate::error::{Error, Result};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HookBody {
    /// The hook's name; without `bot_id`, also the name of the new bot it
    /// posts as.
    pub name: String,
    /// Post as this bot of mine instead of a new one.
    #[serde(default)]
    pub bot_id: Option<UserId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MadeHookResponse {
    /// Where to post: shown this once (the secret is kept only as a hash).
    pub path: String,
    pub hook: HookInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HooksResponse {
    pub hooks: Vec<HookInfo>,
}

/// POST /api/v1/rooms/{id}/hooks — make an incoming webhook for a room I
/// am in; its bot joins the room.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/hooks", tag = "integrations", request_body = HookBody,
    params(("id" = i64, Path, description = "Room id")), security(("session" = [])),
    responses(
        (status = 201, body = MadeHookResponse),
        (status = 400, body = ErrorBody, description = "A new bot's name is not a valid username; a direct room"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined; a bot or an API token cannot make hooks"),
        (status = 404, body = ErrorBody, description = "No such room, a private room I am not in, or a bot that is not mine"),
        (status = 409, body = ErrorBody, description = "The new bot's name is taken; the room is archived"),
        (status = 429, body = ErrorBody, description = "I own 25 bots already"),
    ))]
pub async fn make_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HookBody>,
) -> Result<(StatusCode, Json<MadeHookResponse>)> {
    let made = state
        .chat
        .make_hook(&me.user, RoomId(id), &body.name, body.bot_id)
        .await?;
    let path = format!("/hooks/{}/{}", made.info.id, made.secret);
    Ok((
        StatusCode::CREATED,
        Json(MadeHookResponse {
            path,
            hook: made.info,
        }),
    ))
}

/// GET /api/v1/rooms/{id}/hooks — the room's live webhooks (members).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/hooks", tag = "integrations",
    params(("id" = i64, Path, description = "Room id")), security(("session" = [])),
    responses(
        (status = 200, body = HooksResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn hooks(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<HooksResponse>> {
    Ok(Json(HooksResponse {
        hooks: state.chat.room_hooks(&me.user, RoomId(id)).await?,
    }))
}

/// DELETE /api/v1/rooms/{id}/hooks/{hook} — revoke a webhook (its maker or
/// a room owner): its URL answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/hooks/{hook}", tag = "integrations",
    params(("id" = i64, Path, description = "Room id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = ErrorBody, description = "Neither its maker nor a room owner"),
        (status = 404, body = ErrorBody, description = "No such live hook in a room I am in"),
    ))]
pub async fn revoke_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, hook)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    state.chat.revoke_hook(&me.user, RoomId(id), hook).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A post to a hook: Slack's `{"text", "username"?, "mrkdwn"?}` (other
/// Slack fields are ignored) or Natter's `{"body", "client_id"?}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HookMessage {
    /// Slack's shape: the text, in Slack's markup unless `mrkdwn` is false.
    #[serde(default)]
    pub text: Option<String>,
    /// Natter's shape: the text, in Natter's Markdown.
    #[serde(default)]
    pub body: Option<String>,
    /// The name to show beside the bot's (at most 80 characters).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub mrkdwn: Option<bool>,
    /// Natter's shape: an idempotency key, as `Idempotency-Key` is.
    #[serde(default)]
    pub client_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HookPosted {
    pub message: Message,
}

/// POST /hooks/{id}/{secret} — post a message through an incoming webhook
/// as its bot: a JSON body, or Slack's form-encoded `payload=<json>`. Same send as a person's: the room's rules, the bot's send
/// limit and slow mode apply. `Idempotency-Key` (or Natter's `client_id`)
/// makes a retry return the first message instead of a second one.
#[utoipa::path(post, path = "/hooks/{id}/{secret}", tag = "integrations", request_body = HookMessage,
    params(
        ("id" = i64, Path, description = "Hook id"),
        ("secret" = String, Path, description = "The hook's secret"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key post once"),
    ),
    responses(
        (status = 201, body = HookPosted, description = "Posted"),
        (status = 200, body = HookPosted, description = "A retry with a key already used: the first message"),
        (status = 400, body = ErrorBody, description = "Neither `text` nor `body`, an empty text, a key over 255 bytes, or a form without `payload`"),
        (status = 404, body = ErrorBody, description = "A wrong or revoked secret, or an unknown hook"),
        (status = 409, body = ErrorBody, description = "The room is archived"),
        (status = 413, body = ErrorBody, description = "The body or the text is too large (the answer says the limit)"),
        (status = 429, body = ErrorBody, description = "The bot's send limit or the room's slow mode (with Retry-After)"),
    ))]
pub async fn post_to_hook(
    State(state): State<AppState>,
    ApiPath((id, secret)): ApiPath<(i64, String)>,
    headers: HeaderMap,
    JsonOrSlackForm(message): JsonOrSlackForm<HookMessage>,
) -> Result<(StatusCode, Json<HookPosted>)> {
    let (text, slack) = match (message.text, message.body) {
        (Some(text), None) => (text, message.mrkdwn != Some(false)),
        (None, Some(body)) => (body, false),
        _ => {
            return Err(Error::invalid(
                "hook_text_missing",
                "Send the message as `text` (Slack's shape) or `body` (Natter's), one of them.",
            ))
        }
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(message.client_id);
    let post = HookPost {
        text,
        slack_markup: slack,
        username: message.username,
        idempotency_key: key,
    };
    let posted = state.chat.post_to_hook(id, &secret, post).await?;
    let status = if posted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(HookPosted {
            message: posted.message,
        }),
    ))
}
