//! Outgoing webhooks: a room's owners (and server admins) make, list,
//! pause, resume and delete its hooks and read each one's delivery log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::chat::OutHookScope;
use crate::domain::{DeliveryAttempt, OutHookInfo, RoomId, UserId};
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutHookBody {
    /// The hook's name (1 to 80 characters); without `bot_id`, also the
    /// name of the new bot its replies are posted as.
    pub name: String,
    /// Where the room's events are POSTed (http or https).
    pub url: String,
    /// Post replies as this bot of mine instead of a new one.
    #[serde(default)]
    pub bot_id: Option<UserId>,
    /// Deliver the events in batches: one signed POST of
    /// `{"events":[...]}` (up to 200, in seq order) instead of one POST per
    /// event. Cheaper for busy rooms; off by default.
    #[serde(default)]
    pub batch: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MadeOutHookResponse {
    /// The signing secret (`whsec_...`): shown this once.
    pub secret: String,
    pub hook: OutHookInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutHooksResponse {
    pub hooks: Vec<OutHookInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutHookResponse {
    pub hook: OutHookInfo,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutHookChange {
    /// `true` stops deliveries; `false` resumes them with the first event
    /// not yet delivered.
    pub paused: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveriesResponse {
    /// The newest attempts first (at most 50).
    pub deliveries: Vec<DeliveryAttempt>,
}

/// POST /api/v1/rooms/{id}/outhooks — make an outgoing webhook: the room's
/// events go to `url`, signed with the secret shown in the answer.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/outhooks", tag = "integrations", request_body = OutHookBody,
    params(("id" = i64, Path, description = "Room id")), security(("session" = [])),
    responses(
        (status = 201, body = MadeOutHookResponse),
        (status = 400, body = ErrorBody, description = "No name; a URL that is not http(s), too long, or that resolves to a loopback, private or link-local address the admin has not allowed"),
        (status = 403, body = ErrorBody, description = "Not an owner of the room nor a server admin; a public room I have not joined; a bot or an API token"),
        (status = 404, body = ErrorBody, description = "No such room, a private room I am not in, or a bot that is not mine"),
        (status = 409, body = ErrorBody, description = "The new bot's name is taken; the room is archived"),
        (status = 429, body = ErrorBody, description = "The room has 10 outgoing webhooks already, or I own 25 bots"),
    ))]
pub async fn make_out_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OutHookBody>,
) -> Result<(StatusCode, Json<MadeOutHookResponse>)> {
    let made = state
        .outhooks
        .make(
            &me.user,
            OutHookScope::Room(RoomId(id)),
            &body.name,
            &body.url,
            body.bot_id,
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

/// GET /api/v1/rooms/{id}/outhooks — the room's outgoing webhooks.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/outhooks", tag = "integrations",
    params(("id" = i64, Path, description = "Room id")), security(("session" = [])),
    responses(
        (status = 200, body = OutHooksResponse),
        (status = 403, body = ErrorBody, description = "Not an owner of the room nor a server admin; a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn out_hooks(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OutHooksResponse>> {
    Ok(Json(OutHooksResponse {
        hooks: state
            .outhooks
            .list(&me.user, OutHookScope::Room(RoomId(id)))
            .await?,
    }))
}

/// PATCH /api/v1/rooms/{id}/outhooks/{hook} — pause or resume a hook.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}/outhooks/{hook}", tag = "integrations",
    request_body = OutHookChange,
    params(("id" = i64, Path, description = "Room id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 200, body = OutHookResponse),
        (status = 403, body = ErrorBody, description = "Not an owner of the room nor a server admin"),
        (status = 404, body = ErrorBody, description = "No such hook in a room I am in"),
    ))]
pub async fn change_out_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, hook)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<OutHookChange>,
) -> Result<Json<OutHookResponse>> {
    let hook = state
        .outhooks
        .set_paused(&me.user, OutHookScope::Room(RoomId(id)), hook, body.paused)
        .await?;
    Ok(Json(OutHookResponse { hook }))
}

/// DELETE /api/v1/rooms/{id}/outhooks/{hook} — delete a hook; nothing more
/// is delivered.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/outhooks/{hook}", tag = "integrations",
    params(("id" = i64, Path, description = "Room id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = ErrorBody, description = "Not an owner of the room nor a server admin"),
        (status = 404, body = ErrorBody, description = "No such hook in a room I am in"),
    ))]
pub async fn delete_out_hook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, hook)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    state
        .outhooks
        .delete(&me.user, OutHookScope::Room(RoomId(id)), hook)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/v1/rooms/{id}/outhooks/{hook}/deliveries — the hook's newest
/// delivery attempts: when, which event, status, latency, error.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/outhooks/{hook}/deliveries", tag = "integrations",
    params(("id" = i64, Path, description = "Room id"), ("hook" = i64, Path, description = "Hook id")),
    security(("session" = [])),
    responses(
        (status = 200, body = DeliveriesResponse),
        (status = 403, body = ErrorBody, description = "Not an owner of the room nor a server admin"),
        (status = 404, body = ErrorBody, description = "No such hook in a room I am in"),
    ))]
pub async fn deliveries(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, hook)): ApiPath<(i64, i64)>,
) -> Result<Json<DeliveriesResponse>> {
    Ok(Json(DeliveriesResponse {
        deliveries: state
            .outhooks
            .log(&me.user, OutHookScope::Room(RoomId(id)), hook)
            .await?,
    }))
}

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(out_hooks, make_out_hook))
        .routes(routes!(change_out_hook, delete_out_hook))
        .routes(routes!(deliveries))
}
