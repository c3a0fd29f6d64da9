//! Custom slash commands: a bot's owner makes, lists and deletes a room's
//! commands; a member runs one (`POST …/commands/{name}`), and its answer
//! is posted to the room as the bot or returned to the caller only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiPath, CurrentUser};
use super::AppState;
use crate::chat::{CommandRequest, Visibility};
use crate::domain::{Message, RoomId, SlashCommandInfo, UserId};
use crate::error::Result;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandBody {
    /// Typed as `/name`: 1 to 32 of `a-z 0-9 _ -`, not a built-in's name.
    pub name: String,
    /// One line of help shown in the composer's list (at most 120 characters).
    #[serde(default)]
    pub description: String,
    /// Where the command is POSTed (http or https; must pass the SSRF guard).
    pub url: String,
    /// The bot of mine whose answers are posted (it joins the room if needed).
    pub bot_id: UserId,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MadeCommandResponse {
    /// The secret the calls are signed with (`Natter-Signature`): shown this once.
    pub secret: String,
    pub command: SlashCommandInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommandsResponse {
    pub commands: Vec<SlashCommandInfo>,
}

/// POST /api/v1/rooms/{id}/commands — make a custom slash command in a
/// room I am in, answered by a bot of mine.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/commands", tag = "integrations", request_body = CommandBody,
    params(("id" = i64, Path, description = "Room id")), security(("session" = [])),
    responses(
        (status = 201, body = MadeCommandResponse),
        (status = 400, body = ErrorBody, description = "A bad or built-in name, a long description, or a URL that is not allowed (`url_not_allowed`)"),
        (status = 403, body = ErrorBody, description = "A public room I have not joined; a bot or an API token cannot make commands"),
        (status = 404, body = ErrorBody, description = "No such room, a private room I am not in, or a bot that is not mine"),
        (status = 409, body = ErrorBody, description = "The room has a command of that name; the room is archived"),
        (status = 429, body = ErrorBody, description = "The room has 50 commands already"),
    ))]
pub async fn make_command(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CommandBody>,
) -> Result<(StatusCode, Json<MadeCommandResponse>)> {
    let request = CommandRequest {
        name: body.name,
        description: body.description,
        url: body.url,
        bot: body.bot_id,
    };
    let made = state
        .chat
        .make_command(&me.user, RoomId(id), request)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MadeCommandResponse {
            secret: made.secret,
            command: made.info,
        }),
    ))
}

/// GET /api/v1/rooms/{id}/commands — the room's custom commands, by name
/// (members; what the composer lists).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/commands", tag = "integrations",
    params(("id" = i64, Path, description = "Room id")), security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = CommandsResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined; a token without `read`"),
        (status = 404, body = ErrorBody, description = "No such room, or a private room I am not in"),
    ))]
pub async fn commands(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CommandsResponse>> {
    Ok(Json(CommandsResponse {
        commands: state.chat.room_commands(&me.user, RoomId(id)).await?,
    }))
}

/// DELETE /api/v1/rooms/{id}/commands/{command} — delete a custom command
/// (its maker or a room owner).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/commands/{command}", tag = "integrations",
    params(("id" = i64, Path, description = "Room id"), ("command" = i64, Path, description = "Command id")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = ErrorBody, description = "Neither its maker nor a room owner"),
        (status = 404, body = ErrorBody, description = "No such command in a room I am in"),
    ))]
pub async fn delete_command(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, command)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    state
        .chat
        .delete_command(&me.user, RoomId(id), command)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// What follows the command's name (may be empty).
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerVisibility {
    /// Posted to the room as the command's bot (`message`).
    Room,
    /// For the caller only: shown in their client, stored nowhere.
    Caller,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunResponse {
    pub visibility: AnswerVisibility,
    /// The answer's text; `null` when the command answered with nothing.
    pub text: Option<String>,
    /// The bot's message, when the answer went to the room.
    pub message: Option<Message>,
}

/// POST /api/v1/rooms/{id}/commands/{command} — run `/name text`: the server
/// POSTs a signed call to the command's URL (5 s at most) and posts the
/// answer as the bot or returns it to me only.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/commands/{command}", tag = "integrations", request_body = RunBody,
    params(("id" = i64, Path, description = "Room id"), ("command" = String, Path, description = "The command's name, without the slash")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RunResponse),
        (status = 403, body = ErrorBody, description = "A public room I have not joined; a token without `post`"),
        (status = 404, body = ErrorBody, description = "No such room or command in a room I am in"),
        (status = 413, body = ErrorBody, description = "The text is over 4000 characters"),
        (status = 429, body = ErrorBody, description = "The bot's send limit or the room's slow mode"),
        (status = 502, body = ErrorBody, description = "The command's URL failed, answered an error, timed out or answered what is not understood (`command_failed`, `command_timeout`): a sentence to show"),
        (status = 503, body = ErrorBody, description = "Custom commands are not available"),
    ))]
pub async fn run_command(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, name)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<RunBody>,
) -> Result<Json<RunResponse>> {
    let answer = state
        .chat
        .run_command(&me.user, RoomId(id), &name, &body.text)
        .await?;
    Ok(Json(RunResponse {
        visibility: match answer.visibility {
            Visibility::Room => AnswerVisibility::Room,
            Visibility::Caller => AnswerVisibility::Caller,
        },
        text: answer.text,
        message: answer.message,
    }))
}

/// The routes of custom slash commands and the bots' feed (issue 19).
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use super::feed;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(commands, make_command))
        .routes(routes!(delete_command, run_command))
        .routes(routes!(feed::feed))
        .routes(routes!(feed::acknowledge))
}
