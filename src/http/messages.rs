//! Message routes: read a room's history by seq, send with a client id.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::AppState;
use crate::chat::{HistoryRequest, HistorySlice};
use crate::domain::{Message, Posted, ReactionGroup, RoomId, Seq};
use crate::error::Result;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages before this seq (older page).
    pub before: Option<i64>,
    /// Messages after this seq (newer page).
    pub after: Option<i64>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// The body's shape, for the API document; the body itself is written by
/// `history_body` from the messages' stored JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryResponse {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Whether more messages lie beyond this page in the direction read.
    pub has_more: bool,
    /// The reactions on this page's messages, by message seq.
    pub reactions: Vec<ReactionGroup>,
    /// The changes to the room itself (`room.updated`, `member.role_changed`,
    /// `room.disappearing_changed`, `message.pinned`, `message.unpinned`,
    /// `member.joined`, `member.left`) among this page's messages, oldest first: between the page before
    /// and the page after, so each is on one page.
    pub changes: Vec<crate::domain::PastRoomEvent>,
    /// The display names and avatars of this page's authors who set one
    /// (messages are stored as sent; their authors' profiles come beside
    /// them, so a profile change shows on old messages too).
    pub authors: Vec<crate::domain::PersonProfile>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PostMessageRequest {
    /// The text; may be empty when `files` are given.
    #[serde(default)]
    pub body: String,
    /// Made up by the client, unique per send (a UUID). Sending the same one
    /// again returns the original message instead of a second copy.
    pub client_id: String,
    /// Ids of my uploads (`POST /api/v1/uploads`) to attach, in order; at most 10.
    #[serde(default)]
    pub files: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: Message,
}

/// GET /api/v1/rooms/{id}/messages — history: the newest page, or the page
/// before/after a seq. Members only.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), HistoryQuery), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = HistoryResponse),
        (status = 400, body = ErrorBody, description = "Both before and after given, or not numbers"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn history(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<impl IntoResponse> {
    let request = HistoryRequest {
        before: q.before.map(Seq),
        after: q.after.map(Seq),
        limit: q.limit,
    };
    let slice = state.chat.history(&me.user, RoomId(id), request).await?;
    let authors = state.chat.authors_of(&slice.messages).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        history_body(&slice, &authors),
    ))
}

/// `{"messages":[…],"has_more":…,"reactions":[…],"changes":[…]}` by concatenating the
/// stored JSON.
fn history_body(slice: &HistorySlice, authors: &[crate::domain::PersonProfile]) -> String {
    let size: usize = slice.messages.iter().map(|m| m.as_str().len() + 1).sum();
    let mut body = String::with_capacity(size + 40);
    body.push_str(r#"{"messages":["#);
    for (i, message) in slice.messages.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(message.as_str());
    }
    body.push_str(if slice.has_more {
        r#"],"has_more":true,"reactions":"#
    } else {
        r#"],"has_more":false,"reactions":"#
    });
    // Plain strings and numbers: encoding cannot fail.
    body.push_str(&serde_json::to_string(&slice.reactions).expect("reactions encode"));
    body.push_str(r#","changes":"#);
    body.push_str(&serde_json::to_string(&slice.changes).expect("room changes encode"));
    body.push_str(r#","authors":"#);
    body.push_str(&serde_json::to_string(authors).expect("profiles encode"));
    body.push('}');
    body
}

/// POST /api/v1/rooms/{id}/messages — send. Answered only after the message
/// is committed: 201 with the stored message, or 200 with the original when
/// the client id was used before (a safe retry).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages", tag = "messages", request_body = PostMessageRequest,
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = MessageResponse, description = "Stored"),
        (status = 200, body = MessageResponse, description = "Already stored under this client id"),
        (status = 400, body = ErrorBody, description = "Empty message or bad client id"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
        (status = 409, body = ErrorBody, description = "The client id was used for a message in another room"),
        (status = 413, body = ErrorBody, description = "Message longer than the limit (the answer says it)"),
        (status = 429, body = ErrorBody, description = "Sending too fast, or slow mode; see Retry-After"),
    ))]
pub async fn post_message(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PostMessageRequest>,
) -> Result<(StatusCode, Json<MessageResponse>)> {
    let posted = state
        .chat
        .post_message_with_files(&me.user, RoomId(id), &req.client_id, &req.body, &req.files)
        .await?;
    Ok(answer_posted(posted))
}

/// A send's answer: 201 with the stored message, or 200 with the original
/// when its client id was used before.
pub(super) fn answer_posted(posted: Posted) -> (StatusCode, Json<MessageResponse>) {
    let status = if posted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(MessageResponse {
            message: posted.message,
        }),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageRequest {
    pub body: String,
}

/// PATCH /api/v1/rooms/{id}/messages/{seq} — change the text of one's own
/// message. Logged as a `message.edited` room event with the next seq.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}/messages/{seq}", tag = "messages", request_body = EditMessageRequest,
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = MessageResponse),
        (status = 400, body = ErrorBody, description = "Empty message"),
        (status = 403, body = ErrorBody, description = "Not your message; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message or room"),
        (status = 413, body = ErrorBody, description = "Message longer than the limit (the answer says it)"),
    ))]
pub async fn edit_message(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<EditMessageRequest>,
) -> Result<Json<MessageResponse>> {
    let message = state
        .chat
        .edit_message(&me.user, RoomId(id), Seq(seq), &req.body)
        .await?;
    Ok(Json(MessageResponse { message }))
}

/// DELETE /api/v1/rooms/{id}/messages/{seq} — delete a message (its author
/// or the room's owner). Logged as a `message.deleted` room event.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{seq}", tag = "messages",
    params(("id" = i64, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = ErrorBody, description = "Not yours to delete; or a public room I have not joined"),
        (status = 404, body = ErrorBody, description = "No such message or room"),
    ))]
pub async fn delete_message(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    state
        .chat
        .delete_message(&me.user, RoomId(id), Seq(seq))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
