//! Thread routes: reply to a message, read a thread by its first message.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::messages::{answer_posted, HistoryQuery, MessageResponse};
use super::AppState;
use crate::chat::{HistoryRequest, ThreadSlice};
use crate::domain::{Message, RoomId, Seq};
use crate::error::Result;

/// The body's shape, for the API document; the body itself is written by
/// `thread_body` from the replies' stored JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadResponse {
    /// The thread's first message, with its summary in `thread`.
    pub root: Message,
    /// Replies, oldest first.
    pub replies: Vec<Message>,
    /// Whether more replies lie beyond this page in the direction read.
    pub has_more: bool,
    /// The display names and avatars of the authors who set one.
    pub authors: Vec<crate::domain::PersonProfile>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyRequest {
    pub body: String,
    /// Made up by the client, unique per send (a UUID); a retry with the
    /// same one returns the original reply.
    pub client_id: String,
    /// Also show the reply in the room's timeline (default: only in the thread).
    #[serde(default)]
    pub also_in_room: bool,
}

/// GET /api/v1/rooms/{id}/messages/{seq}/thread — the thread of the message
/// at `seq` (its own, or the one it is a reply in): the first message and a
/// page of replies (the newest, or before/after a seq). Members only.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages/{seq}/thread", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The seq of a message of the thread"), HistoryQuery),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ThreadResponse),
        (status = 400, body = ErrorBody, description = "Both before and after given, or not numbers"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message or room, or a private room I am not in"),
    ))]
pub async fn thread(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<impl IntoResponse> {
    let request = HistoryRequest {
        before: q.before.map(Seq),
        after: q.after.map(Seq),
        limit: q.limit,
    };
    let slice = state
        .chat
        .thread(&me.user, RoomId(id), Seq(seq), request)
        .await?;
    let mut names: Vec<String> = vec![slice.root.author.clone()];
    let authors = state.chat.authors_of(&slice.replies).await?;
    names.extend(authors.iter().map(|a| a.username.clone()));
    let authors = state.chat.authors_named(names).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        thread_body(&slice, &authors)?,
    ))
}

/// `{"root":…,"replies":[…],"has_more":…}` with the replies' stored JSON.
fn thread_body(slice: &ThreadSlice, authors: &[crate::domain::PersonProfile]) -> Result<String> {
    let root = serde_json::to_string(&slice.root).map_err(anyhow::Error::from)?;
    let size: usize = slice.replies.iter().map(|m| m.as_str().len() + 1).sum();
    let mut body = String::with_capacity(root.len() + size + 48);
    body.push_str(r#"{"root":"#);
    body.push_str(&root);
    body.push_str(r#","replies":["#);
    for (i, reply) in slice.replies.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(reply.as_str());
    }
    body.push_str(if slice.has_more {
        r#"],"has_more":true,"authors":"#
    } else {
        r#"],"has_more":false,"authors":"#
    });
    body.push_str(&serde_json::to_string(authors).map_err(anyhow::Error::from)?);
    body.push('}');
    Ok(body)
}

/// POST /api/v1/rooms/{id}/messages/{seq}/replies — reply in the thread of
/// the message at `seq` (a reply to a reply joins the first message's
/// thread). The reply is a message of the room with its own seq; the first
/// message's new summary follows as a `thread.updated` event. Answered
/// after commit: 201, or 200 with the original for a repeated client id.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages/{seq}/replies", tag = "messages", request_body = ReplyRequest,
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The seq of the message replied to")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = MessageResponse, description = "Stored"),
        (status = 200, body = MessageResponse, description = "Already stored under this client id"),
        (status = 400, body = ErrorBody, description = "Empty message or bad client id"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message (or it was deleted) or room, or a private room I am not in"),
        (status = 409, body = ErrorBody, description = "The client id was used for another message"),
        (status = 413, body = ErrorBody, description = "Message longer than the limit (the answer says it)"),
        (status = 429, body = ErrorBody, description = "Sending too fast, or slow mode; see Retry-After"),
    ))]
pub async fn post_reply(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> Result<(StatusCode, Json<MessageResponse>)> {
    let posted = state
        .chat
        .post_reply(
            &me.user,
            RoomId(id),
            Seq(seq),
            &req.client_id,
            &req.body,
            req.also_in_room,
        )
        .await?;
    Ok(answer_posted(posted))
}
