//! Integrations: bots, API tokens with their scopes and rooms (the grant a
//! token request carries), and incoming webhooks. The one place that says
//! what a token may do is `Grant::allow`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{RoomId, Timestamp, UserId};
use crate::error::{Error, Result};

/// What a token may do. Each is granted on its own: a token that only
/// posts (a notifier) need not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read rooms, history, members, the stream.
    Read,
    /// Send, reply, edit and delete its own messages, react, upload.
    Post,
    /// Create, join and leave rooms, add people, change a room's settings.
    ManageRooms,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Post => "post",
            Self::ManageRooms => "manage_rooms",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "post" => Some(Self::Post),
            "manage_rooms" => Some(Self::ManageRooms),
            _ => None,
        }
    }

    /// The stored form of a set of scopes: `read,post`.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn split(stored: &str) -> Vec<Scope> {
        stored.split(',').filter_map(Scope::from_db).collect()
    }

    /// The sentence a token without this scope is refused with.
    fn missing(self) -> String {
        let what = match self {
            Self::Read => "read",
            Self::Post => "post messages",
            Self::ManageRooms => "manage rooms",
        };
        format!(
            "This API token may not {what}: it lacks the `{}` scope.",
            self.as_str()
        )
    }
}

/// What a request needs of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Scope(Scope),
    /// Account, admin and integration settings: only a signed-in person.
    Session,
}

/// What a token request may do: its scopes and, when limited, its rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token_id: i64,
    pub scopes: Vec<Scope>,
    /// `None`: every room the token's user is in.
    pub rooms: Option<Vec<RoomId>>,
}

impl Grant {
    /// Whether `room` is one of the token's rooms.
    pub fn room_allowed(&self, room: RoomId) -> bool {
        self.rooms
            .as_ref()
            .is_none_or(|rooms| rooms.contains(&room))
    }

    /// The one check of a token request: 403 with a sentence for a missing
    /// scope or a route tokens cannot use; 404 for a room outside the
    /// token's rooms (as for a room one is not in), and 403 for a route
    /// that reads across rooms when the token is limited to some.
    pub fn allow(&self, need: Need, place: Place) -> Result<()> {
        let scope = match need {
            Need::Session => {
                return Err(Error::Forbidden(
                    "An API token cannot do this; sign in to Natter to do it.".into(),
                ))
            }
            Need::Scope(scope) => scope,
        };
        if !self.scopes.contains(&scope) {
            return Err(Error::Forbidden(scope.missing()));
        }
        match place {
            Place::Room(room) if !self.room_allowed(room) => Err(Error::room_not_found()),
            Place::AcrossRooms if self.rooms.is_some() => Err(Error::Forbidden(
                "This API token is limited to some rooms; it cannot use routes that read across rooms."
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Where a request acts, for a token's rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// One room, named in the path or the command.
    Room(RoomId),
    /// No room's content, or a list the route itself narrows to the
    /// token's rooms (the room list, the stream's subscriptions).
    Anywhere,
    /// Several rooms' content at once (search, mentions, saved messages).
    AcrossRooms,
}

/// A bot as its owner sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bot {
    pub user_id: UserId,
    /// Its username: how it is mentioned and invited.
    pub name: String,
    /// One emoji shown beside its name, if chosen.
    pub avatar: Option<String>,
    pub owner_id: UserId,
    pub owner: String,
    pub created_at: Timestamp,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to tell it apart.
    pub prefix: String,
    /// Who it acts as: the maker or one of their bots.
    pub user_id: UserId,
    pub username: String,
    pub bot: bool,
    pub scopes: Vec<Scope>,
    /// The rooms it is limited to; `null`: every room its user is in.
    pub rooms: Option<Vec<RoomId>>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// An incoming webhook as listed: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HookInfo {
    pub id: i64,
    pub room_id: RoomId,
    pub name: String,
    /// The bot it posts as.
    pub bot_id: UserId,
    pub bot: String,
    pub made_by: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// What posting to a hook needs: the secret's hash to compare, and where
/// and as whom to post.
#[derive(Debug, Clone)]
pub struct HookTarget {
    pub id: i64,
    pub room: RoomId,
    pub bot: UserId,
    pub secret_hash: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(scopes: &[Scope], rooms: Option<Vec<RoomId>>) -> Grant {
        Grant {
            token_id: 1,
            scopes: scopes.to_vec(),
            rooms,
        }
    }

    #[test]
    fn a_read_only_token_is_refused_posting_with_a_sentence() {
        let g = grant(&[Scope::Read], None);
        assert!(g
            .allow(Need::Scope(Scope::Read), Place::Room(RoomId(1)))
            .is_ok());
        let Err(Error::Forbidden(why)) = g.allow(Need::Scope(Scope::Post), Place::Room(RoomId(1)))
        else {
            panic!("posting allowed")
        };
        assert!(why.contains("`post`"), "{why}");
        assert!(g.allow(Need::Session, Place::Anywhere).is_err());
    }

    #[test]
    fn a_token_limited_to_rooms_finds_no_other_room() {
        let g = grant(&[Scope::Read, Scope::Post], Some(vec![RoomId(7)]));
        assert!(g
            .allow(Need::Scope(Scope::Post), Place::Room(RoomId(7)))
            .is_ok());
        assert!(matches!(
            g.allow(Need::Scope(Scope::Read), Place::Room(RoomId(8))),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            g.allow(Need::Scope(Scope::Read), Place::AcrossRooms),
            Err(Error::Forbidden(_))
        ));
        assert!(g.allow(Need::Scope(Scope::Read), Place::Anywhere).is_ok());
    }

    #[test]
    fn scopes_round_trip_through_their_stored_form() {
        let all = [Scope::Read, Scope::Post, Scope::ManageRooms];
        assert_eq!(Scope::split(&Scope::join(&all)), all);
        assert!(Scope::split("").is_empty());
    }
}
