//! A stream connection's commands from its client: subscribe, unsubscribe,
//! send, typing and ping, and the `error` frame for one it cannot take.

use std::sync::Arc;

use futures_util::stream::FuturesUnordered;

use super::{Connection, Flow, PendingSend};
use crate::domain::{RoomId, Scope};
use crate::error::Error;
use crate::realtime::wire::{self, Command, ErrorDetail, Frame};
use crate::reject::{self, Part, Refusal};

impl Connection {
    pub(super) async fn command(
        &mut self,
        text: &str,
        sends: &mut Option<FuturesUnordered<PendingSend>>,
    ) -> Flow {
        let command = match reject::from_json::<Command>(text.as_bytes(), Part::Command) {
            Ok(c) => c,
            Err(Refusal::NotJson(why) | Refusal::WrongShape(why)) => {
                let error = Error::invalid("invalid_command", why);
                return self.send_error(None, &error).await;
            }
        };
        match command {
            Command::Ping => self.flow_of(self.write(vec![wire::encode(&Frame::Pong)]).await),
            Command::Subscribe { rooms } => {
                if rooms.len() > self.settings.max_rooms_per_subscribe {
                    let error = Error::invalid(
                        "too_many_rooms",
                        format!(
                            "Subscribe to at most {} rooms at once.",
                            self.settings.max_rooms_per_subscribe
                        ),
                    );
                    return self.send_error(None, &error).await;
                }
                let rooms = match wire::cursors(rooms) {
                    Ok(rooms) => rooms,
                    Err(e) => return self.send_error(None, &e).await,
                };
                for (room, cursor) in rooms {
                    if let Flow::Close(code, why) = self.subscribe(room, cursor).await {
                        return Flow::Close(code, why);
                    }
                }
                Flow::Continue
            }
            Command::Unsubscribe { rooms } => {
                let mut frames = Vec::new();
                for room in rooms {
                    if self.listener.leave_room(room) {
                        self.hub.unsubscribe(room, &self.listener);
                        frames.push(wire::encode(&Frame::Unsubscribed { room_id: room }));
                    }
                }
                self.flow_of(self.write(frames).await)
            }
            Command::Send {
                room_id,
                client_id,
                body,
                reply_to,
                also_in_room,
                files,
            } => {
                if let Err(e) = self.granted(Scope::Post, room_id) {
                    return self.refuse_send(&client_id, room_id, &e).await;
                }
                let chat = Arc::clone(&self.chat);
                let user = self.user.clone();
                sends
                    .get_or_insert_with(FuturesUnordered::new)
                    .push(Box::pin(async move {
                        let result = match reply_to {
                            None => {
                                chat.post_message_with_files(
                                    &user, room_id, &client_id, &body, &files,
                                )
                                .await
                            }
                            Some(parent) => {
                                chat.post_reply(
                                    &user,
                                    room_id,
                                    parent,
                                    &client_id,
                                    &body,
                                    also_in_room,
                                )
                                .await
                            }
                        };
                        super::send_frame(&client_id, &result)
                    }));
                Flow::Continue
            }
            Command::Typing { room_id } => {
                if self.listener.is_live(room_id) {
                    self.hub.typing(room_id, &self.listener);
                }
                Flow::Continue
            }
            Command::TypingStopped { room_id } => {
                if self.listener.is_live(room_id) {
                    self.hub.typing_stopped(room_id, &self.listener);
                }
                Flow::Continue
            }
        }
    }

    /// The error frame of a send the connection's token may not make.
    async fn refuse_send(&self, client_id: &str, room: RoomId, error: &Error) -> Flow {
        let frame = wire::encode(&Frame::Error {
            client_id: Some(client_id),
            room_id: Some(room),
            error: ErrorDetail::from(error),
        });
        self.flow_of(self.write(vec![frame]).await)
    }

    pub(super) async fn send_error(&self, room: Option<RoomId>, error: &Error) -> Flow {
        let frame = wire::encode(&Frame::Error {
            client_id: None,
            room_id: room,
            error: ErrorDetail::from(error),
        });
        self.flow_of(self.write(vec![frame]).await)
    }
}
