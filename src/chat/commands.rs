//! Custom slash commands: a bot's owner maps `/name` in a room to a URL;
//! a member typing `/name text` there has the server POST a signed call
//! to it (SSRF guarded, short timeout, capped answer, through
//! `crate::outbound`), and the answer is posted to the room as the bot or
//! shown to the caller only. A failing URL is a sentence for the caller.

use serde::Deserialize;
use serde_json::json;

use super::integrations::refuse_bot;
use super::Chat;
use crate::domain::{
    ClientId, CommandName, Message, RoomId, SlashCommandInfo, Timestamp, User, UserId,
    COMMAND_DESCRIPTION_MAX,
};
use crate::error::{Error, Result};
use crate::outbound::{parse_target, OutboundError, WebhookSecret, WebhookSender, WebhookTarget};
use crate::storage::{NewCommand, StoreError};

/// Commands one room may hold.
pub const MAX_COMMANDS_PER_ROOM: usize = 50;
/// The longest argument text sent to a command.
const COMMAND_TEXT_MAX: usize = 4000;

/// A command as asked for by its maker.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    pub name: String,
    pub description: String,
    pub url: String,
    pub bot: UserId,
}

/// A command just made: the only time its signing secret is shown.
#[derive(Debug, Clone)]
pub struct MadeCommand {
    pub info: SlashCommandInfo,
    pub secret: String,
}

/// Who sees a command's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Posted to the room as the command's bot.
    Room,
    /// Shown only to the person who ran it.
    Caller,
}

/// What running a command gave.
#[derive(Debug, Clone)]
pub struct CommandAnswer {
    pub visibility: Visibility,
    /// The answer's text (`None`: the command answered with nothing to show).
    pub text: Option<String>,
    /// The bot's message, when posted to the room.
    pub message: Option<Message>,
}

/// A command's answer as its URL sends it: Slack's `{"text",
/// "response_type": "in_channel" | "ephemeral"}` (ephemeral unless said),
/// `body` taken for `text` too.
#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    response_type: Option<String>,
}

impl Chat {
    /// Makes `/name` in a room I am in, answered by my bot (which joins the
    /// room if it is not in it). The URL must be allowed by the SSRF guard.
    pub async fn make_command(
        &self,
        me: &User,
        room: RoomId,
        request: CommandRequest,
    ) -> Result<MadeCommand> {
        refuse_bot(me)?;
        let (access, _) = self.member_access(me, room).await?;
        super::room_care::refuse_if_archived(access)?;
        let name = CommandName::parse(&request.name)?;
        let description = request.description.trim();
        if description.chars().count() > COMMAND_DESCRIPTION_MAX || description.contains('\n') {
            return Err(Error::invalid(
                "command_description_invalid",
                format!("A command's description is one line of at most {COMMAND_DESCRIPTION_MAX} characters."),
            ));
        }
        let bot = self.my_bot(me, request.bot).await?;
        let url = self.command_client()?.check_url(&request.url).await?;
        if self.store.commands_of_room(room).await?.len() >= MAX_COMMANDS_PER_ROOM {
            return Err(Error::TooMany {
                code: "too_many_commands",
                message: format!(
                    "A room can have at most {MAX_COMMANDS_PER_ROOM} commands; delete one first."
                ),
            });
        }
        let in_room = self
            .store
            .access(room, bot.id)
            .await?
            .is_some_and(|a| a.role.is_some());
        if !in_room {
            self.add_member(me, room, &bot.username).await?;
        }
        let secret = WebhookSecret::generate();
        let info = self
            .store
            .create_command(NewCommand {
                room,
                name: name.as_str().to_owned(),
                description: description.to_owned(),
                url: url.to_string(),
                secret: secret.expose().to_owned(),
                bot: bot.id,
                made_by: me.id,
                now: Timestamp::now(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict => Error::conflict(
                    "command_taken",
                    format!("This room has a /{} command already.", name.as_str()),
                ),
                other => other.into(),
            })?;
        Ok(MadeCommand {
            info,
            secret: secret.expose().to_owned(),
        })
    }

    /// A room's custom commands (members; never their URLs or secrets).
    pub async fn room_commands(&self, me: &User, room: RoomId) -> Result<Vec<SlashCommandInfo>> {
        self.member_access(me, room).await?;
        Ok(self.store.commands_of_room(room).await?)
    }

    /// Deletes a command: its maker or a room owner may.
    pub async fn delete_command(&self, me: &User, room: RoomId, id: i64) -> Result<()> {
        let (_, role) = self.member_access(me, room).await?;
        let gone = || Error::not_found("This room has no command with that id.");
        let target = self.store.command(room, id).await?.ok_or_else(gone)?;
        if target.made_by != me.id && role != crate::domain::Role::Owner {
            return Err(Error::Forbidden(
                "Only the command's maker or a room owner can delete it.".into(),
            ));
        }
        if !self.store.delete_command(room, id).await? {
            return Err(gone());
        }
        Ok(())
    }

    /// Runs `/name text` in a room for `me`: calls the command's URL and
    /// posts or returns its answer.
    pub async fn run_command(
        &self,
        me: &User,
        room: RoomId,
        name: &str,
        text: &str,
    ) -> Result<CommandAnswer> {
        self.member_access(me, room).await?;
        let shown = name.trim_start_matches('/').to_ascii_lowercase();
        let target = self
            .store
            .command_named(room, &shown)
            .await?
            .ok_or_else(|| Error::not_found(format!("This room has no command /{shown}.")))?;
        if text.chars().count() > COMMAND_TEXT_MAX {
            return Err(Error::TooLarge {
                code: "command_text_too_long",
                message: format!("A command's text may be at most {COMMAND_TEXT_MAX} characters."),
            });
        }
        let call = json!({
            "command": format!("/{shown}"),
            "text": text,
            "room_id": room,
            "user_id": me.id,
            "username": me.username,
            "command_id": target.info.id,
        });
        let body = serde_json::to_vec(&call).map_err(anyhow::Error::from)?;
        let broken = |why: &str| Error::Upstream {
            code: "command_failed",
            message: format!("/{shown} did not work: {why}. Try again later, or tell its owner."),
        };
        let url = parse_target(&target.url).map_err(|_| broken("its address is not valid"))?;
        let secret =
            WebhookSecret::parse(&target.secret).map_err(|_| broken("its secret is damaged"))?;
        let sender = WebhookSender::new(
            self.command_client()?.clone(),
            WebhookTarget { url, secret },
        );
        let reply = sender.call(&body).await.map_err(|e| match e {
            OutboundError::Timeout { .. } => Error::Upstream {
                code: "command_timeout",
                message: format!(
                    "/{shown} did not answer in time. Try again later, or tell its owner."
                ),
            },
            OutboundError::Refused(_) | OutboundError::InvalidUrl(_) => {
                broken("its address is not one this server may call")
            }
            _ => broken("its server could not be reached"),
        })?;
        if !reply.status.is_success() {
            return Err(broken(&format!(
                "its server answered {}",
                reply.status.as_u16()
            )));
        }
        if reply.truncated {
            return Err(broken("its answer was too long"));
        }
        let (text, visibility) =
            read_reply(&reply.body).ok_or_else(|| broken("its answer was not understood"))?;
        let Some(text) = text else {
            return Ok(CommandAnswer {
                visibility: Visibility::Caller,
                text: None,
                message: None,
            });
        };
        if visibility == Visibility::Caller {
            return Ok(CommandAnswer {
                visibility,
                text: Some(text),
                message: None,
            });
        }
        let bot = self
            .store
            .user_by_id(target.info.bot_id)
            .await?
            .ok_or_else(|| broken("its bot is gone"))?
            .user;
        let posted = self
            .post_as(
                &bot,
                room,
                ClientId::generate(),
                &text,
                (None, Vec::new()),
                None,
            )
            .await
            .map_err(|e| match e {
                Error::NotFound(_) | Error::Forbidden(_) => {
                    broken("its bot is not in this room any more")
                }
                Error::Internal(_) | Error::Unavailable(_) | Error::RateLimited { .. } => e,
                other => broken(&format!("its answer could not be posted ({other})")),
            })?;
        Ok(CommandAnswer {
            visibility,
            text: Some(text),
            message: Some(posted.message),
        })
    }

    fn command_client(&self) -> Result<&crate::outbound::OutboundClient> {
        self.commands_client.as_ref().ok_or_else(|| {
            Error::Unavailable("Custom commands are not available on this server.".into())
        })
    }
}

/// The answer's text and who sees it: JSON in Slack's shape, or plain
/// text (shown to the caller). `None` for something else.
fn read_reply(body: &[u8]) -> Option<(Option<String>, Visibility)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some((None, Visibility::Caller));
    }
    let Ok(reply) = serde_json::from_slice::<Reply>(body) else {
        let text = std::str::from_utf8(body).ok()?.trim();
        // Not JSON: plain text is an ephemeral answer, as Slack takes it.
        if text.starts_with('{') || text.starts_with('[') {
            return None;
        }
        return Some((Some(text.to_owned()), Visibility::Caller));
    };
    let visibility = match reply.response_type.as_deref() {
        Some("in_channel") => Visibility::Room,
        None | Some("ephemeral") => Visibility::Caller,
        Some(_) => return None,
    };
    let text = reply
        .text
        .or(reply.body)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    Some((text, visibility))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_in_slacks_shape_or_as_plain_text() {
        assert_eq!(
            read_reply(br#"{"text":"done","response_type":"in_channel"}"#),
            Some((Some("done".into()), Visibility::Room))
        );
        assert_eq!(
            read_reply(br#"{"text":"only you"}"#),
            Some((Some("only you".into()), Visibility::Caller))
        );
        assert_eq!(
            read_reply(b"plain words"),
            Some((Some("plain words".into()), Visibility::Caller))
        );
        assert_eq!(read_reply(b""), Some((None, Visibility::Caller)));
        assert_eq!(read_reply(b"{not json"), None);
        assert_eq!(read_reply(br#"{"text":"x","response_type":"loud"}"#), None);
    }
}
