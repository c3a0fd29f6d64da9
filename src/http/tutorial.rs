//! The tutorial's routes, answering as its JavaScript expects
//! (../shared/seed/chat-tutorial.md): `/add_user`, `/send_message`,
//! `/messages?current=N` (or `?amount=N`), all on the room `general`.
//! One change from the tutorial: identities are real, so `/send_message`
//! only posts as the user of the session cookie.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::accounts::signed_in_response;
use super::extract::{ApiJson, ApiQuery, ClientIp, MaybeUser};
use super::AppState;
use crate::domain::Message;
use crate::error::{Error, Result};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/add_user", post(add_user))
        .route("/send_message", post(send_message))
        .route("/messages", get(messages))
}

#[derive(Debug, Deserialize)]
struct AddUser {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: Option<String>,
}

/// The tutorial answers every refusal here with 400 (its page shows
/// "Username is taken" for any 400), so a taken name is 400, not 409.
fn as_tutorial_error(e: Error) -> Error {
    match e {
        Error::Conflict { code, message } => Error::Invalid { code, message },
        other => other,
    }
}

/// POST /add_user {"username"} — creates the account and signs the browser in.
async fn add_user(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<AddUser>,
) -> Result<Response> {
    let signed_in = state
        .chat
        .sign_up(&req.username, req.password.as_deref(), &ip)
        .await
        .map_err(as_tutorial_error)?;
    Ok(signed_in_response(&state, StatusCode::OK, signed_in))
}

#[derive(Debug, Deserialize)]
struct SendMessage {
    username: Option<String>,
    message: Option<String>,
    /// Not in the tutorial; a client that sends one gets retry safety.
    client_id: Option<String>,
}

/// One message in the tutorial's shape.
#[derive(Debug, Serialize)]
struct TutorialMessage {
    username: String,
    message: String,
    timestamp: String,
}

impl From<Message> for TutorialMessage {
    fn from(m: Message) -> Self {
        Self {
            username: m.author,
            message: m.body,
            timestamp: m.created_at.to_rfc3339(),
        }
    }
}

/// POST /send_message {"username","message"} — 400 when a field is missing,
/// 401 without a session, 403 when `username` is not the session's user.
async fn send_message(
    State(state): State<AppState>,
    me: MaybeUser,
    ApiJson(req): ApiJson<SendMessage>,
) -> Result<Json<TutorialMessage>> {
    let (Some(username), Some(message)) = (req.username, req.message) else {
        return Err(Error::invalid(
            "missing_field",
            "Both username and message are required.",
        ));
    };
    let me = me.0.ok_or_else(|| Error::Unauthenticated {
        code: "signed_out",
        message: "Sign in first: post to /add_user to pick a username.".into(),
    })?;
    if !username.trim().eq_ignore_ascii_case(&me.user.username) {
        return Err(Error::Forbidden(
            "You can only send messages as yourself.".into(),
        ));
    }
    let posted = match req.client_id {
        Some(client_id) => {
            state
                .chat
                .post_message(&me.user, crate::chat::GENERAL, &client_id, &message)
                .await?
        }
        None => state.chat.post_to_general(&me.user, &message).await?,
    };
    Ok(Json(posted.message.into()))
}

#[derive(Debug, Deserialize)]
struct Position {
    current: Option<u64>,
    amount: Option<u64>,
}

/// GET /messages?current=N (or ?amount=N) — `general` from position N on.
/// Like the tutorial, this answers without a session: `general` is the
/// server's open lobby.
async fn messages(
    State(state): State<AppState>,
    ApiQuery(pos): ApiQuery<Position>,
) -> Result<Json<Vec<TutorialMessage>>> {
    let offset = pos.current.or(pos.amount).unwrap_or(0);
    let messages = state.chat.general_from_position(offset).await?;
    Ok(Json(
        messages.into_iter().map(TutorialMessage::from).collect(),
    ))
}
