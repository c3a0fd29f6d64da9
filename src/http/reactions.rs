//! Reaction routes: react to a message, take it back, read a message's
//! reactions; and the emoji set the web client's picker searches.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiPath, CurrentUser};
use super::AppState;
use crate::domain::{emoji_catalogue, ReactionGroup, RoomId, Seq};
use crate::error::Result;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionChangeResponse {
    /// Whether this call changed anything (`false`: the reaction was
    /// already there, or already gone — a safe retry).
    pub changed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionsResponse {
    /// One entry per emoji, in the order each was first used.
    pub reactions: Vec<ReactionGroup>,
}

/// PUT /api/v1/rooms/{id}/messages/{seq}/reactions/{emoji} — react with one
/// emoji (Unicode, URL-encoded, or a `:shortcode:`). Logged as a
/// `reaction.added` room event; a repeat changes nothing.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/messages/{seq}/reactions/{emoji}", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq"),
        ("emoji" = String, Path, description = "One emoji, or its :shortcode:")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReactionChangeResponse),
        (status = 400, body = ErrorBody, description = "Not exactly one emoji"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I am not in"),
        (status = 409, body = ErrorBody, description = "The room is archived, or the message carries the most different emoji it may"),
    ))]
pub async fn add_reaction(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq, emoji)): ApiPath<(i64, i64, String)>,
) -> Result<Json<ReactionChangeResponse>> {
    let changed = state
        .chat
        .add_reaction(&me.user, RoomId(id), Seq(seq), &emoji)
        .await?;
    Ok(Json(ReactionChangeResponse { changed }))
}

/// DELETE /api/v1/rooms/{id}/messages/{seq}/reactions/{emoji} — take one's
/// reaction back. Logged as `reaction.removed`; a repeat changes nothing.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}/reactions/{emoji}", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq"),
        ("emoji" = String, Path, description = "One emoji, or its :shortcode:")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReactionChangeResponse),
        (status = 400, body = ErrorBody, description = "Not exactly one emoji"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I am not in"),
        (status = 409, body = ErrorBody, description = "The room is archived"),
    ))]
pub async fn remove_reaction(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq, emoji)): ApiPath<(i64, i64, String)>,
) -> Result<Json<ReactionChangeResponse>> {
    let changed = state
        .chat
        .remove_reaction(&me.user, RoomId(id), Seq(seq), &emoji)
        .await?;
    Ok(Json(ReactionChangeResponse { changed }))
}

/// GET /api/v1/rooms/{id}/messages/{seq}/reactions — who reacted with what.
/// Members only.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages/{seq}/reactions", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ReactionsResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message, or a room I am not in"),
    ))]
pub async fn reactions(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<Json<ReactionsResponse>> {
    let reactions = state.chat.reactions(&me.user, RoomId(id), Seq(seq)).await?;
    Ok(Json(ReactionsResponse { reactions }))
}

/// `GET /api/v1/emoji`: the Unicode emoji set with names, shortcodes and
/// groups, encoded once when the router is built. It is the same for every
/// user and changes only with the binary, so caches may keep it a day.
pub fn catalogue_routes() -> Router<AppState> {
    let body: Arc<str> = serde_json::to_string(&serde_json::json!({ "emoji": emoji_catalogue() }))
        .expect("the emoji set encodes")
        .into();
    Router::new().route(
        "/api/v1/emoji",
        get(move || {
            let body = Arc::clone(&body);
            async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    body.to_string(),
                )
            }
        }),
    )
}
