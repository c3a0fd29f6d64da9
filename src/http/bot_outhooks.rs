//! A bot's outgoing webhooks: its owner makes, lists, pauses, resumes and
//! deletes them and reads each one's delivery log. The shapes are those of
//! a room's hooks (`super::outhooks`), under the bot instead of the room.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::outhooks::{
    DeliveriesResponse, MadeOutHookResponse, OutHookChange, OutHookResponse, OutHooksResponse,
};
use super::AppState;
use crate::chat::OutHookScope;
use crate::domain::UserId;
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotOutHookBody {
    /// The hook's name (1 to 80 characters).
    pub name: String,
    /// Where the events of every room the bot is in are POSTed (http or
    /// https).
    pub url: String,
    /// Deliver the events in batches, as for a room's hooks.
    #[serde(default)]
    pub batch: bool,
}

/// POST /api/v1/bots/{bot_id}/outhooks — make an outgoing webhook for my
/// bot: the events of every room it is in (each room from when it joined)
/// go to `url`, signed with the secret shown in the answer.
#[utoipa::path(post, path = "/api/v1/bots/{bot_id}/outhooks", tag = "integrations",
    request_body = BotOutHookBody,
    params(("bot_id" = i64, Path, description = "The bot's user id")), security(("session" = [])),
    responses(
        (status = 201, body = MadeOutHookResponse),
        (status = 400, body = ErrorBody, description = "No name; a URL that is not http(s), too long, or that resolves to a loopback, private or link-local address the admin has not allowed"),
        (status = 403, body = ErrorBody, description = "A bot or an API token"),
        (status = 404, body = ErrorBody, description = "No bot of mine with that id"),
        (status = 429, body = ErrorBody, description = "The bot has 10 outgoing webhooks already"),
    ))]
pub async fn make_bot_out_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(bot): ApiPath<i64>,
    ApiJson(body): ApiJson<BotOutHookBody>,
) -> Result<(StatusCode, Json<MadeOutHookResponse>)> {
    let made = state
        .outhooks
        .make(
            &me.user,
            OutHookScope::Bot(UserId(bot)),
            &body.name,
            &body.url,
            None,
            body.batch,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MadeOutHookResponse {
            secret: made.secret,
            hook: made.info,
        }),
    ))
}

/// GET /api/v1/bots/{bot_id}/outhooks — my bot's outgoing webhooks (those
/// of rooms are listed under the rooms).
#[utoipa::path(get, path = "/api/v1/bots/{bot_id}/outhooks", tag = "integrations",
    params(("bot_id" = i64, Path, description = "The bot's user id")), security(("session" = [])),
    responses(
        (status = 200, body = OutHooksResponse),
        (status = 403, body = ErrorBody, description = "A bot or an API token"),
        (status = 404, body = ErrorBody, description = "No bot of mine with that id"),
    ))]
pub async fn bot_out_hooks(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(bot): ApiPath<i64>,
) -> Result<Json<OutHooksResponse>> {
    Ok(Json(OutHooksResponse {
        hooks: state
            .outhooks
            .list(&me.user, OutHookScope::Bot(UserId(bot)))
            .await?,
    }))
}

/// PATCH /api/v1/bots/{bot_id}/outhooks/{hook} — pause or resume my bot's
/// hook.
#[utoipa::path(patch, path = "/api/v1/bots/{bot_id}/outhooks/{hook}", tag = "integrations",
    request_body = OutHookChange,
    params(("bot_id" = i64, Path, description = "The bot's user id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 200, body = OutHookResponse),
        (status = 403, body = ErrorBody, description = "A bot or an API token"),
        (status = 404, body = ErrorBody, description = "No such hook of a bot of mine"),
    ))]
pub async fn change_bot_out_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((bot, hook)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<OutHookChange>,
) -> Result<Json<OutHookResponse>> {
    let hook = state
        .outhooks
        .set_paused(&me.user, OutHookScope::Bot(UserId(bot)), hook, body.paused)
        .await?;
    Ok(Json(OutHookResponse { hook }))
}

/// DELETE /api/v1/bots/{bot_id}/outhooks/{hook} — delete my bot's hook;
/// nothing more is delivered.
#[utoipa::path(delete, path = "/api/v1/bots/{bot_id}/outhooks/{hook}", tag = "integrations",
    params(("bot_id" = i64, Path, description = "The bot's user id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = ErrorBody, description = "A bot or an API token"),
        (status = 404, body = ErrorBody, description = "No such hook of a bot of mine"),
    ))]
pub async fn delete_bot_out_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((bot, hook)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    state
        .outhooks
        .delete(&me.user, OutHookScope::Bot(UserId(bot)), hook)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/v1/bots/{bot_id}/outhooks/{hook}/deliveries — my bot's hook's
/// newest delivery attempts: when, which room and event, status, latency,
/// error.
#[utoipa::path(get, path = "/api/v1/bots/{bot_id}/outhooks/{hook}/deliveries", tag = "integrations",
    params(("bot_id" = i64, Path, description = "The bot's user id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 200, body = DeliveriesResponse),
        (status = 403, body = ErrorBody, description = "A bot or an API token"),
        (status = 404, body = ErrorBody, description = "No such hook of a bot of mine"),
    ))]
pub async fn bot_deliveries(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((bot, hook)): ApiPath<(i64, i64)>,
) -> Result<Json<DeliveriesResponse>> {
    Ok(Json(DeliveriesResponse {
        deliveries: state
            .outhooks
            .log(&me.user, OutHookScope::Bot(UserId(bot)), hook)
            .await?,
    }))
}

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(bot_out_hooks, make_bot_out_hook))
        .routes(routes!(change_bot_out_hook, delete_bot_out_hook))
        .routes(routes!(bot_deliveries))
}
